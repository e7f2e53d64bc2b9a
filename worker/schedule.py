"""What beat sends and when: short, frequent sweeps rather than long countdowns."""

from celery.schedules import crontab

BEAT_SCHEDULE = {
    "deliver-outbox": {
        "task": "partnerhub.deliver_outbox",
        "schedule": 60.0,
        # A backlog of identical deliveries (workers were down) is not worth running.
        "options": {"expires": 60},
    },
    "sweep": {
        "task": "partnerhub.sweep",
        "schedule": 300.0,
        "options": {"expires": 300},
    },
    "extend-meeting-horizons": {
        "task": "partnerhub.extend_meeting_horizons",
        "schedule": crontab(hour=3, minute=17),
        "options": {"expires": 6 * 3600},
    },
}
