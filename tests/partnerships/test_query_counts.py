"""The partnership-level pages run a fixed number of queries however much there is: more
partnerships on the dashboard, and more agencies, people, meetings, action items,
procedures, flows, agreements, flags and recorded activity in each."""

from __future__ import annotations

from datetime import timedelta

import pytest

from partnerhub.audit.services import record
from partnerhub.meetings.models import ActionItem, MeetingStatus
from partnerhub.notifications.models import FlagKind
from partnerhub.partnerships.models import CORE_SECTORS, ChecklistTick, Stage
from partnerhub.procedures.models import Framework
from partnerhub.training.models import TrainingAttendance, TrainingFormat, TrainingSession
from tests.clock import NOW, TODAY

# The most statements each page may run (the login session and the partnership included).
BUDGET = {
    # the partnerships with their facts; the flags and their subjects of every kind;
    # sign-offs and reviews due; agreements (renewals due and signatures awaited); the
    # training gaps; the people owning what is listed; my meetings ahead; my action items
    "/": 10,
    # the partnership with its checklist's ticks; the panels (open action items; the next
    # meeting with the active series; sign-offs; agreements; the facts; the people's
    # training); the matrix; the recent activity
    "/partnerships/{id}": 10,
    "/partnerships/{id}/agencies": 3,
    "/partnerships/{id}/roster": 6,
    # the flags, one for their subjects of every kind, one for the people owning them
    "/partnerships/{id}/flags": 5,
    "/partnerships/{id}/activity": 3,
}


def partnership_of_size(make, user, size: int):
    """A Plan-stage partnership with `size` of everything its pages show, each kind present."""
    partnership = make.partnership(user)
    partnership.stage = Stage.PLAN
    for key in ("plan.procedures_written", "plan.agreement_drafted"):
        partnership.checklist_ticks.append(ChecklistTick(item_key=key, ticked_by_id=user.id))
    agencies = [make.agency(partnership, sector=CORE_SECTORS[n % 5]) for n in range(5 * size)]
    members = []
    for n, agency in enumerate(agencies):
        members.append(make.member(partnership, agency=agency, legal_advisor=n % 4 == 0))
        if n % 2:
            agency.liaison_id = members[-1].id
    training = TrainingSession(
        partnership_id=partnership.id,
        title="FERPA training",
        frameworks=[Framework.FERPA.value],
        held_on=TODAY - timedelta(days=300),
        format=TrainingFormat.IN_PERSON,
        materials=[],
    )
    make.session.add(training)
    make.session.flush()
    make.session.add_all(
        TrainingAttendance(training_id=training.id, membership_id=m.id) for m in members[::2]
    )
    for n in range(size):
        meeting = make.meeting(partnership, NOW - timedelta(days=30 * (n + 1)))
        meeting.status = MeetingStatus.HELD
        make.session.add(
            ActionItem(
                partnership_id=partnership.id,
                meeting_id=meeting.id,
                title=f"Circulate the draft {n}",
                due_on=TODAY - timedelta(days=n + 1),
            )
        )
        make.meeting(partnership, NOW + timedelta(days=30 * (n + 1)))
        approved = make.procedure(agencies[n], status="approved", next_review_on=TODAY)
        make.procedure(agencies[n], status="in_review")
        make.flow(agencies[n], agencies[n + 1], procedure_id=approved.id)
        make.agreement(
            partnership,
            agencies,
            signed=True,
            effective_on=TODAY - timedelta(days=300),
            expires_on=TODAY + timedelta(days=30 + n),
        )
        make.agreement(partnership, agencies[:2], sent=True)
        make.flag(partnership, title=f"Agreement {n}")
        make.flag(
            partnership,
            title=f"Review {n}",
            kind=FlagKind.PROCEDURE_REVIEW,
            subject=f"procedure:{approved.id}:{n}",
        )
    for n in range(60 * size):
        record(
            make.session, user, "note", partnership, f"Note {n}", NOW, partnership_id=partnership.id
        )
    return partnership


def counts_at(client, db, make, login_as, count_queries, size: int) -> dict[str, int]:
    """Each page's statements for a facilitator of `size` partnerships of `size`."""
    user = make.user()
    made = [partnership_of_size(make, user, size) for _ in range(size)]
    shown = made[0]
    db.commit()
    login_as(user)
    counts = {}
    for path in BUDGET:
        url = path.format(id=shown.id)
        client.get(url)  # the login session's sliding window moves on the first request
        with count_queries() as statements:
            assert client.get(url).status_code == 200, url
        counts[path] = len(statements)
    assert "Training: " in client.get("/").get_data(as_text=True)  # its gaps were counted
    return counts


@pytest.mark.slow
def test_partnership_pages_run_a_fixed_number_of_queries(client, make, db, login_as, count_queries):
    small = counts_at(client, db, make, login_as, count_queries, 1)
    large = counts_at(client, db, make, login_as, count_queries, 4)
    assert small == large
    assert all(small[path] <= most for path, most in BUDGET.items()), small
