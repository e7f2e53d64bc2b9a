"""Screening before saving: refused with a clear message unless kept with a reason; each kept
text is audited by kind, without copying the text into the activity log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from partnerhub.audit.models import AuditEvent
from partnerhub.identifiers import IdentifiersFound, known_names, screen
from partnerhub.partnerships.models import Sector
from tests.clock import NOW

MINUTES = "Jayden Smith (DOB 3/14/2009), case #2023-JV-0142, was discussed."


@pytest.fixture
def partnership(make):
    facilitator = make.user("Dana Whitfield")
    partnership = make.partnership(facilitator, name="Helena Youth Partnership")
    make.agency(partnership, "Helena Public Schools", Sector.SCHOOL)
    make.member(partnership, make.user("Maria Lopez"))
    return partnership


def test_text_that_may_identify_a_youth_is_refused_with_what_was_found(db, partnership):
    with pytest.raises(IdentifiersFound) as refusal:
        screen(
            db,
            partnership.id,
            ["Agenda", MINUTES],
            keep_reason=None,
            actor=None,
            now=NOW,
            what="minutes",
        )
    message = str(refusal.value)
    assert "“Jayden Smith”" in message
    assert "“DOB 3/14/2009”" in message
    assert "“case #2023-JV-0142”" in message
    assert "Keep as written" in message
    assert db.scalars(select(AuditEvent)).all() == []


def test_a_blank_reason_does_not_keep_it(db, partnership):
    with pytest.raises(IdentifiersFound):
        screen(db, partnership.id, [MINUTES], keep_reason="  ", actor=None, now=NOW, what="minutes")


def test_keeping_it_with_a_reason_is_audited_by_kind_without_the_text(db, partnership, make):
    actor = make.user("Fiona Facilitator")
    screen(
        db,
        partnership.id,
        [MINUTES],
        keep_reason="Public court record, named in the news.",
        actor=actor,
        now=NOW,
        what="minutes",
    )
    event = db.scalars(select(AuditEvent)).one()
    assert event.action == "identifiers.kept"
    assert event.actor_id == actor.id
    assert event.partnership_id == partnership.id
    assert event.at == NOW
    assert "Public court record" in event.summary
    assert event.details["kinds"] == [
        "case, docket or student number",
        "date of birth",
        "personal name",
    ]
    for identifier in ("Jayden", "3/14/2009", "2023-JV-0142"):
        assert identifier not in event.summary
        assert identifier not in str(event.details)


def test_the_partnerships_own_names_pass(db, partnership):
    text = "Dana Whitfield and Maria Lopez met Helena Public Schools about the Helena Youth plan."
    screen(db, partnership.id, [text], keep_reason=None, actor=None, now=NOW, what="minutes")


def test_known_names_are_this_partnerships_only(db, partnership, make):
    other = make.partnership(make.user("Jordan Reyes"))
    assert "reyes" in known_names(db, other.id).words
    assert "reyes" not in known_names(db, partnership.id).words
    assert {"whitfield", "lopez", "helena", "schools"} <= known_names(db, partnership.id).words
