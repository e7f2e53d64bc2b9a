"""The Celery application: reminders, renewal and review flags, mail delivery.

`celery -A worker worker` runs tasks and `celery -A worker beat` schedules them; both read the
same PARTNERHUB_* settings as the web. Tasks are thin: open a session, call a service, commit.
"""

from __future__ import annotations

from functools import cache

from celery import Celery, Task
from celery.signals import task_postrun, task_prerun, worker_init, worker_ready
from flask import Flask

from partnerhub.config import load_config
from partnerhub.logs import TaskLog
from worker.schedule import BEAT_SCHEDULE

settings = load_config()


@cache
def flask_app() -> Flask:
    """The web application of this worker process: config, database, templates for email."""
    from partnerhub import create_app

    return create_app()


def _transport_options(broker_url: str) -> dict:
    # Tasks take seconds to a minute; on Redis an unacknowledged one comes back after ten
    # minutes. (The embedded SQLAlchemy transport passes its options to create_engine.)
    return {"visibility_timeout": 600} if broker_url.startswith("redis") else {}


class FlaskTask(Task):
    """Runs inside the app's context: its database, its config and its public URL for links."""

    def __call__(self, *args, **kwargs):
        with flask_app().app_context():
            return self.run(*args, **kwargs)


app = Celery("partnerhub", task_cls=FlaskTask)
app.conf.update(
    broker_url=settings["BROKER_URL"],
    broker_connection_retry_on_startup=True,
    # A task is acknowledged when it finished, so a killed worker's task is delivered again;
    # every task is safe to run twice (claims and idempotency keys make sure of it).
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    broker_transport_options=_transport_options(settings["BROKER_URL"]),
    task_ignore_result=True,
    timezone="UTC",
    enable_utc=True,
    beat_schedule=BEAT_SCHEDULE,
    beat_schedule_filename=f"{settings['INSTANCE_PATH']}/celerybeat-schedule",
    worker_hijack_root_logger=False,
)


@worker_init.connect
def refuse_an_unmigrated_database(sender=None, **_kwargs) -> None:
    """Stop before taking a task on a database that is not at the latest migration (Celery
    logs and swallows a signal handler's errors, but not an exit)."""
    from partnerhub import migrate

    try:
        migrate.require_latest(flask_app().extensions["partnerhub.database"].engine, "The worker")
    except migrate.NotMigrated as error:
        raise SystemExit(3) from error


@worker_ready.connect
def catch_up(sender=None, **_kwargs) -> None:
    """A worker that just started delivers what waited and sweeps, without waiting for beat."""
    app.send_task("partnerhub.deliver_outbox")
    app.send_task("partnerhub.sweep")


task_log = TaskLog()


@task_prerun.connect
def _task_started(task_id=None, **_kwargs) -> None:
    task_log.started(task_id)


@task_postrun.connect
def _task_finished(task_id=None, task=None, state=None, **_kwargs) -> None:
    """One line per task, whatever became of it (task_postrun follows failures too)."""
    task_log.finished(task_id, task.name, state or "unknown")


from worker import tasks  # noqa: E402, F401  (registers the tasks)
