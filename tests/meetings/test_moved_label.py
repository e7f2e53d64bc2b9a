"""A meeting moved alone says where it was scheduled, also after its series changes."""

from __future__ import annotations

import re
from datetime import date, time

from sqlalchemy import select

from partnerhub.meetings.models import Meeting
from partnerhub.meetings.services import MeetingData, SeriesData, edit_meeting, edit_series
from tests.clock import NOW


def moved_label(client, meeting) -> str | None:
    page = client.get(f"/partnerships/{meeting.partnership_id}/meetings/{meeting.id}").text
    found = re.search(r"Moved from ([^<]*)\.</p>", page)
    return found.group(1) if found else None


def test_moved_from_names_the_original_slot_after_the_series_moves(app, make, db, client, login_as):
    facilitator = make.user()
    partnership = make.partnership(facilitator, timezone="America/Denver")
    series = make.series(partnership, starts_on=date(2026, 4, 14))
    moved, renamed = db.scalars(
        select(Meeting).where(Meeting.series_id == series.id).order_by(Meeting.starts_at).limit(2)
    ).all()
    with app.app_context():
        edit_meeting(
            db,
            facilitator,
            moved,
            MeetingData(moved.title, date(2026, 4, 15), time(9), 90),
            partnership.timezone,
            NOW,
        )
        edit_meeting(
            db,
            facilitator,
            renamed,
            MeetingData("Budget review", date(2026, 5, 12), time(15), 90),
            partnership.timezone,
            NOW,
        )
        db.commit()
        login_as(facilitator)
        assert moved_label(client, moved) == "Tue 14 Apr 2026, 15:00"
        assert moved_label(client, renamed) is None

        edit_series(
            db,
            facilitator,
            series,
            SeriesData(series.title, series.rrule, date(2026, 4, 14), time(16), 90),
            NOW,
        )
        db.commit()
    assert moved_label(client, moved) == "Tue 14 Apr 2026, 15:00"
    # Renamed alone, it kept its 15:00 while the series moved to 16:00: nobody moved it.
    assert moved_label(client, renamed) is None
