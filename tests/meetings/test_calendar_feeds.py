"""Subscription feeds over HTTP: past meetings kept, refresh hints, links to each meeting's
page, conditional requests answered with 304, built once per change, and links that add a
meeting or subscribe in one click."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit

from icalendar import Calendar

from partnerhub.meetings.services import MeetingData, cancel_meeting, edit_meeting, subscribe
from partnerhub.text import one_line
from tests.calendar_readers import read_alike
from tests.clock import NOW


def feed_of(make, db, meetings: int = 3):
    facilitator = make.user()
    partnership = make.partnership(facilitator, timezone="America/Denver")
    made = [make.meeting(partnership, NOW + timedelta(days=7 * n)) for n in range(meetings)]
    token = subscribe(db, facilitator, partnership.id, NOW)
    db.commit()
    return partnership, facilitator, made, f"/calendar/{token}.ics"


def test_feeds_keep_two_years_of_past_meetings_by_default(make, db, client, app):
    partnership, _f, _made, url = feed_of(make, db, meetings=0)
    kept = make.meeting(partnership, NOW - timedelta(days=700))
    recent = make.meeting(partnership, NOW - timedelta(days=200))
    dropped = make.meeting(partnership, NOW - timedelta(days=760))
    db.commit()
    uids = {s.uid for s in read_alike(client.get(url).data)}
    assert {kept.uid, recent.uid} <= uids and dropped.uid not in uids

    app.config["CALENDAR_HISTORY_MONTHS"] = 6
    uids = {s.uid for s in read_alike(client.get(url).data)}
    assert recent.uid not in uids and kept.uid not in uids


def test_feeds_say_how_often_to_refresh_and_link_each_meeting_to_its_page(make, db, client):
    partnership, _f, made, url = feed_of(make, db)
    calendar = Calendar.from_ical(client.get(url).data)
    assert calendar["REFRESH-INTERVAL"].to_ical() == b"PT1H"
    assert calendar["REFRESH-INTERVAL"].params["VALUE"] == "DURATION"
    assert calendar["X-PUBLISHED-TTL"].to_ical() == b"PT1H"
    links = {str(e["UID"]): str(e["URL"]) for e in calendar.walk("VEVENT")}
    assert links == {
        m.uid: f"http://partnerhub.test/partnerships/{partnership.id}/meetings/{m.id}" for m in made
    }


def test_an_unchanged_feed_answers_conditional_requests_with_304(make, db, client):
    _p, _f, _made, url = feed_of(make, db)
    first = client.get(url)
    assert first.status_code == 200 and first.headers["ETag"] and first.last_modified
    assert "no-cache" in first.headers["Cache-Control"]

    again = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == first.headers["ETag"]
    since = client.get(url, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304
    assert client.get(url, headers={"If-None-Match": '"something-else"'}).status_code == 200


def test_a_changed_meeting_changes_the_feed_at_once(make, db, client):
    partnership, facilitator, made, url = feed_of(make, db)
    first = client.get(url)
    edit_meeting(
        db,
        facilitator,
        made[1],
        MeetingData("Moved", date(2026, 3, 20), time(10), 60),
        partnership.timezone,
        NOW + timedelta(minutes=5),
    )
    db.commit()
    changed = client.get(url, headers={"If-None-Match": first.headers["ETag"]})
    assert changed.status_code == 200 and changed.headers["ETag"] != first.headers["ETag"]
    moved = {s.uid: s for s in read_alike(changed.data)}[made[1].uid]
    assert (moved.title, moved.start) == ("Moved", datetime(2026, 3, 20, 16, tzinfo=UTC))

    cancel_meeting(db, facilitator, made[2], "Snow", NOW + timedelta(minutes=10))
    db.commit()
    seen = {s.uid: s for s in read_alike(client.get(url).data)}[made[2].uid]
    assert (seen.status, seen.title, seen.transparency) == (
        "CANCELLED",
        "Cancelled: Partner meeting",
        "TRANSPARENT",
    )
    assert seen.sequence == made[2].sequence == 1


def test_a_feed_is_built_once_per_change_whatever_its_size(make, db, client, count_queries):
    """Repeat requests run the same few queries for a feed of 3 or 30 meetings: the meetings
    are not loaded again while none of them changed."""
    costs = []
    for size in (3, 30):
        *_rest, url = feed_of(make, db, meetings=size)
        client.get(url)
        with count_queries() as queries:
            response = client.get(url)
        assert response.status_code == 200
        assert len(read_alike(response.data)) == size
        costs.append(len(queries))
    assert costs[0] == costs[1] <= 4


def test_a_feed_of_any_stored_text_is_valid(make, db, client):
    text = "Review\r\nBcc: x; a, b \\ c \U0001f4c5" + " long agenda text;," * 500
    _partnership, facilitator, made, url = feed_of(make, db)
    made[0].title, made[0].place = text[:200], text[:300]
    cancel_meeting(db, facilitator, made[1], text, NOW)
    db.commit()
    response = client.get(url)
    assert response.status_code == 200
    seen = {s.uid: s for s in read_alike(response.data)}
    assert seen[made[0].uid].title == one_line(text[:200])
    assert seen[made[1].uid].title == "Cancelled: Partner meeting"


def test_a_meeting_page_offers_google_and_outlook_links(make, db, client, login_as):
    partnership, facilitator, made, _url = feed_of(make, db)
    meeting = made[0]
    meeting.place = "Room 4; east, wing"
    db.commit()
    login_as(facilitator)
    page = client.get(f"/partnerships/{partnership.id}/meetings/{meeting.id}").get_data(
        as_text=True
    )
    google = _link(page, "https://calendar.google.com/calendar/render?")
    assert google["action"] == ["TEMPLATE"]
    assert google["text"] == ["Partner meeting"]
    assert google["dates"] == [
        f"{meeting.starts_at:%Y%m%dT%H%M%SZ}/{meeting.ends_at:%Y%m%dT%H%M%SZ}"
    ]
    assert google["location"] == ["Room 4; east, wing"]
    page_url = f"http://partnerhub.test/partnerships/{partnership.id}/meetings/{meeting.id}"
    assert page_url in google["details"][0]
    outlook = _link(page, "https://outlook.live.com/calendar/0/deeplink/compose?")
    assert outlook["subject"] == ["Partner meeting"]
    assert outlook["startdt"] == [f"{meeting.starts_at:%Y-%m-%dT%H:%M:%SZ}"]
    assert outlook["enddt"] == [f"{meeting.ends_at:%Y-%m-%dT%H:%M:%SZ}"]
    assert page_url in outlook["body"][0]


def test_a_new_feed_url_comes_with_webcal_subscribe_links(make, db, client, login_as):
    partnership, facilitator, *_rest = feed_of(make, db)
    login_as(facilitator)
    for path in (f"/partnerships/{partnership.id}/calendar/subscribe", "/calendar/subscribe"):
        page = client.post(path, follow_redirects=True).get_data(as_text=True)
        url = page[page.index("http://") : page.index(".ics") + 4]
        webcal = url.replace("http://", "webcal://")
        assert f'href="{webcal}"' in page
        google = _link(page, "https://calendar.google.com/calendar/render?")
        assert google["cid"] == [webcal]
        feed = url.removeprefix("http://partnerhub.test")
        assert client.get(feed).status_code == 200


def _link(page: str, prefix: str) -> dict[str, list[str]]:
    start = page.index(prefix)
    href = page[start : page.index('"', start)].replace("&amp;", "&")
    return parse_qs(urlsplit(href).query)
