"""docker-compose.yml, run natively: migrate builds an empty database; 2 gunicorn processes,
2 workers and 1 beat serve; someone logs in and schedules a meeting whose reminder falls due,
and the SMTP server receives that reminder exactly once, however often the workers sweep.
The logs of a whole journey say what happened and keep no secret."""

from __future__ import annotations

import re
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest

from partnerhub.db import Database
from tests.factories import PASSWORD, Factory
from tests.http_forms import CSRF_FIELD, FormBrowser, Page
from tests.worker.conftest import wait_for
from tests.worker.test_up import alive, descendants

pytestmark = [pytest.mark.services, pytest.mark.slow]


@pytest.fixture
def make_in_stack(stack):
    """Factories writing to the stack's database."""
    database = Database(stack.database_url)
    session = database.sessionmaker()
    yield Factory(session)
    session.close()
    database.dispose()


def logged_in(stack, make) -> tuple[FormBrowser, object, object]:
    """A facilitator of a partnership (on UTC), logged in through the login form."""
    facilitator = make.user("Fran Facilitator", timezone="UTC")
    partnership = make.partnership(facilitator, timezone="UTC")
    make.session.commit()
    browser = FormBrowser(stack.url)
    page = browser.submit("/login", {"email": facilitator.email, "password": PASSWORD})
    assert page.status == 200 and "/login" not in page.url, page.text[:500]
    return browser, facilitator, partnership


def schedule_due_meeting(stack, browser, partnership, title: str, place: str) -> None:
    """A meeting starting in a day less ten minutes, on the servers' clock: its one-day
    reminder is due now (the seven-day one long past, so it is skipped)."""
    starts = stack.server_now() + timedelta(days=1, minutes=-10)
    fields = {
        "title": title,
        "starts_on": starts.date().isoformat(),
        "start_time": starts.strftime("%H:%M"),
        "duration_minutes": "60",
        "place": place,
        "video_url": "",
    }
    page = browser.submit(f"/partnerships/{partnership.id}/meetings/new", fields)
    assert page.status == 200 and f"Scheduled “{title}”" in page.text, page.text[:500]


def task_runs(stack, name: str) -> int:
    """How many runs of task `name` the workers have logged as finished."""
    return sum(
        stack.log_of("worker", index).count(f"name={name} ")
        for index in range(len(stack.processes["worker"]))
    )


def sweep_and_wait(stack, times: int) -> None:
    """Sweep `times` times (each sweep then delivers) and wait for every run to finish."""
    sweeps, deliveries = (
        task_runs(stack, "partnerhub.sweep"),
        task_runs(stack, "partnerhub.deliver_outbox"),
    )
    for _ in range(times):
        stack.send_task("partnerhub.sweep")
    wait_for(lambda: task_runs(stack, "partnerhub.sweep") >= sweeps + times, 60, what="sweeps")
    wait_for(
        lambda: task_runs(stack, "partnerhub.deliver_outbox") >= deliveries + times,
        60,
        what="the deliveries the sweeps ask for",
    )


def test_compose_runs_two_web_processes_two_workers_and_one_beat(stack):
    (web,) = stack.processes["web"]
    assert len(descendants(web.pid)) == 2, "gunicorn's worker processes"
    assert len(stack.processes["worker"]) == 2
    assert len(stack.processes["beat"]) == 1
    everything = [p for group in stack.processes.values() for p in group]
    assert all(alive(p.pid) for p in everything if p not in stack.processes["migrate"])
    assert stack.processes["migrate"][0].returncode == 0


def test_a_reminder_that_falls_due_reaches_the_smtp_server_exactly_once(stack, make_in_stack):
    browser, facilitator, partnership = logged_in(stack, make_in_stack)
    title = "Quarterly referral review"
    schedule_due_meeting(stack, browser, partnership, title, "Room 4, county annex")

    def reminders():
        return [
            m
            for m in list(stack.smtp.messages)
            if title in m["Subject"] and m["To"].endswith(facilitator.email)
        ]

    sweep_and_wait(stack, 1)
    wait_for(reminders, 60, what="the reminder")
    sweep_and_wait(stack, 3)  # both workers sweep and deliver again: nothing more goes out

    (reminder,) = reminders()
    assert "Room 4, county annex" in text_of(reminder)
    assert "outcome=FAILURE" not in stack.all_logs()


def post_from(browser: FormBrowser, page_path: str, action: str, fields=None) -> Page:
    """Press a button of the page at `page_path` that posts to `action` (with its CSRF token)."""
    token = CSRF_FIELD.search(browser.get(page_path).text).group(1)
    body = urllib.parse.urlencode({**(fields or {}), "csrf_token": token}).encode()
    request = urllib.request.Request(browser.base_url + action, data=body)
    with browser.opener.open(request, timeout=10) as response:
        return Page(response.status, response.url, response.read().decode())


def cookie(browser: FormBrowser, name: str) -> str:
    (jar,) = [h.cookiejar for h in browser.opener.handlers if hasattr(h, "cookiejar")]
    (value,) = [c.value for c in jar if c.name == name]
    return value


def text_of(message) -> str:
    return message.get_body(("plain",)).get_content()


def mail_to(stack, address: str, subject_part: str):
    return [
        m
        for m in list(stack.smtp.messages)
        if m["To"].endswith(address) and subject_part in m["Subject"]
    ]


def test_the_logs_of_a_whole_journey_hold_no_password_token_cookie_or_email_body(
    stack, make_in_stack
):
    browser, facilitator, partnership = logged_in(stack, make_in_stack)
    session_cookie = cookie(browser, "session")
    # A meeting whose reminder goes out: its body names the place.
    schedule_due_meeting(stack, browser, partnership, "Referral figures", "Marrowfield Hall")
    sweep_and_wait(stack, 1)
    (reminder,) = wait_for(lambda: mail_to(stack, facilitator.email, "Referral figures"), 60)
    unsubscribe_token = re.search(r"/unsubscribe/([\w-]+)", text_of(reminder)).group(1)
    # A private calendar feed, read by a calendar program.
    subscribed = post_from(browser, "/calendar", "/calendar/subscribe")
    feed_path, feed_token = re.search(r"(/calendar/([\w-]+)\.ics)", subscribed.text).groups()
    assert "BEGIN:VCALENDAR" in browser.get(feed_path).text
    # A password reset, by its emailed link.
    new_password = "a brand new passphrase 7391"
    FormBrowser(stack.url).submit("/forgot-password", {"email": facilitator.email})
    (reset,) = wait_for(lambda: mail_to(stack, facilitator.email, "password"), 60)
    reset_token = re.search(r"/reset-password/([\w-]+)", text_of(reset)).group(1)
    done = FormBrowser(stack.url).submit(
        f"/reset-password/{reset_token}", {"password": new_password, "confirm": new_password}
    )
    assert done.status == 200 and "/login" in done.url, done.text[:500]
    logs = stack.all_logs()

    for secret in (
        PASSWORD, new_password, session_cookie, reset_token, feed_token, unsubscribe_token,
        "Marrowfield Hall",
    ):  # fmt: skip
        assert secret not in logs
    # What the logs do say: each request and task, by id, with its outcome.
    assert re.search(r"request id=\w+ method=GET path=/calendar/<token>\.ics status=200 ", logs)
    assert re.search(r"request id=\w+ method=POST path=/reset-password/<token> status=302 ", logs)
    assert re.search(
        r"task id=[\w-]+ name=partnerhub.deliver_outbox duration_ms=\S+ outcome=SUCCESS", logs
    )
