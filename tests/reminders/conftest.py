"""Fixtures for the reminder sweep: a partnership with a roster, meetings, a sweep at any time."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from partnerhub.auth.models import User
from partnerhub.meetings.models import Meeting
from partnerhub.meetings.services import MeetingData, SeriesData, schedule_meeting, schedule_series
from partnerhub.notifications import sweep
from partnerhub.notifications.delivery import DeliveryPolicy, deliver_due
from partnerhub.notifications.mailer import transport_for
from partnerhub.notifications.models import OutboxMessage
from partnerhub.partnerships.models import Membership, PartnerAgency, Partnership, Role

# A Tuesday; US daylight saving time starts on Sunday 14 March 2027.
T0 = datetime(2027, 3, 2, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
WEEK = timedelta(days=7)


@dataclass
class Roster:
    partnership: Partnership
    facilitator: Membership
    member: Membership
    abroad: Membership  # a member whose own time zone differs from the partnership's
    school: PartnerAgency  # the member's agency

    @property
    def memberships(self) -> list[Membership]:
        return [self.facilitator, self.member, self.abroad]


@pytest.fixture
def roster(make, db) -> Roster:
    facilitator = make.user("Fiona Facilitator", email="fiona@helena.example")
    partnership = make.partnership(
        facilitator, name="Helena Youth Partnership", timezone="America/Denver"
    )
    school = make.agency(partnership, "Helena Public Schools")
    member = make.member(
        partnership, make.user("Mo Member", email="mo@helena.example"), agency=school
    )
    abroad = make.member(
        partnership,
        make.user("Bea Berlin", email="bea@helena.example", timezone="Europe/Berlin"),
    )
    facilitator_membership = db.scalars(
        select(Membership).where(
            Membership.partnership_id == partnership.id, Membership.role == Role.FACILITATOR
        )
    ).one()
    db.commit()
    return Roster(partnership, facilitator_membership, member, abroad, school)


def one_off(db, partnership: Partnership, day: date, at: time = time(15, 0), **fields) -> Meeting:
    """A one-off meeting at a local day and time of the partnership, scheduled at T0."""
    actor = db.get(User, partnership.created_by_id)
    data = MeetingData(
        title=fields.pop("title", "Monthly partner review"),
        starts_on=day,
        start_time=at,
        duration_minutes=90,
        place=fields.pop("place", "Helena High School, room 114"),
        video_url=fields.pop("video_url", "https://meet.example/helena"),
    )
    meeting = schedule_meeting(db, actor, partnership, data, T0)
    db.commit()
    return meeting


def series(db, partnership: Partnership, rule: str, starts_on: date, at: time, now: datetime):
    actor = db.get(User, partnership.created_by_id)
    data = SeriesData(
        title="Partner review",
        rule=rule,
        starts_on=starts_on,
        start_time=at,
        duration_minutes=60,
    )
    created = schedule_series(db, actor, partnership, data, now)
    db.commit()
    return created


@pytest.fixture
def run_sweep(app):
    """Sweep at `now` in a session of its own, committed, like the worker does."""

    def run(now: datetime):
        database = app.extensions["partnerhub.database"]
        with app.app_context(), database.transaction() as session:
            return sweep(session, now)

    return run


@pytest.fixture
def deliver_pending(app):
    """Deliver every due outbox message, as the worker would right after a sweep."""

    def run(now: datetime) -> int:
        database = app.extensions["partnerhub.database"]
        with app.app_context(), database.sessionmaker() as session:
            report = deliver_due(
                session,
                transport_for(app.config["MAIL_URL"]),
                app.config["MAIL_FROM"],
                lambda: now,
                DeliveryPolicy.from_config(app.config),
            )
            return report.sent

    return run


def outbox(db, **where) -> list[OutboxMessage]:
    db.expire_all()
    query = select(OutboxMessage).order_by(OutboxMessage.id)
    for name, value in where.items():
        query = query.where(getattr(OutboxMessage, name) == value)
    return list(db.scalars(query))


def signed_agreement(db, partnership, agencies, effective_on, expires_on, **fields):
    """An agreement every party signed, in force from `effective_on`."""
    from partnerhub.agreements.models import (
        Agreement,
        AgreementKind,
        AgreementParty,
        AgreementSignature,
    )

    agreement = Agreement(
        partnership_id=partnership.id,
        title=fields.pop("title", "Helena information-sharing IGA"),
        kind=AgreementKind.IGA,
        effective_on=effective_on,
        expires_on=expires_on,
        sent_for_signature_at=T0,
        **fields,
    )
    db.add(agreement)
    db.flush()
    for agency in agencies:
        party = AgreementParty(agreement_id=agreement.id, partner_agency_id=agency.id)
        db.add(party)
        db.flush()
        db.add(
            AgreementSignature(
                party_id=party.id,
                signer_name="Pat Signer",
                signer_title="Superintendent",
                signed_on=effective_on,
                recorded_at=T0,
            )
        )
    db.commit()
    return agreement


def procedure(db, agency, next_review_on, title="Attendance concerns shared with the SRO"):
    from partnerhub.procedures.models import Procedure

    item = Procedure(
        partnership_id=agency.partnership_id,
        owning_agency_id=agency.id,
        title=title,
        next_review_on=next_review_on,
    )
    db.add(item)
    db.commit()
    return item
