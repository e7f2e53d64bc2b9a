"""What training flags and sends: a flag for each person whose training lapses, raised 60 days
before and moved on at expiry, each threshold emailed once to the agency's liaison and the
facilitators; and a flag for each agency whose people are missing a training they need."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from partnerhub.links import external_url
from partnerhub.notifications import (
    FlagKind,
    Partnerships,
    ReminderKind,
    SweepReport,
    flag,
    flag_subject,
    long_date,
    no_id,
    notify,
    people,
    resolve_flags,
    sweep_step,
)
from partnerhub.partnerships.models import Membership, PartnerAgency, Role
from partnerhub.training import queries
from partnerhub.training.queries import LAPSE_WARNING, Person, Status

THRESHOLD_WORDS = {"60_days": "has training lapsing on", "expiry": "has training that lapsed on"}


@dataclass(frozen=True)
class Flagged:
    """What a flag is raised on: a person's lapse, or an agency's gap."""

    partnership_id: int
    title: str


def thresholds_passed(lapses_on: date, today: date) -> list[str]:
    passed = []
    if lapses_on - LAPSE_WARNING <= today:
        passed.append("60_days")
    if lapses_on <= today:
        passed.append("expiry")
    return passed


@sweep_step(order=45)
def sweep_training(
    session: Session, now: datetime, partnerships: Partnerships, report: SweepReport
) -> None:
    """Flag lapsing and lapsed trainings (emailing each threshold once) and missing ones."""
    lapses, gaps = set(), set()
    for today, partnership_ids in partnerships.by_today.items():
        for found in queries.coverage(session, partnership_ids, today, only_tracked=True).values():
            for person in found.people:
                lapses |= _flag_lapses(session, person, today, now, partnerships, report)
            gaps |= _flag_gaps(session, found, today, report)
    report.flags_resolved += resolve_flags(session, FlagKind.TRAINING_LAPSE, lapses, now)
    report.flags_resolved += resolve_flags(session, FlagKind.TRAINING_GAP, gaps, now)


def _flag_lapses(session, person: Person, today, now, partnerships, report) -> set[str]:
    by_date = defaultdict(list)
    for standing in person.standings:
        if standing.status in (Status.LAPSING, Status.LAPSED):
            by_date[standing.lapses_on].append(standing.framework.label)
    subjects = set()
    membership, agency = person.membership, person.agency
    for lapses_on, frameworks in by_date.items():
        subject = f"training:{membership.id}:{lapses_on.isoformat()}"
        subjects.add(subject)
        passed = thresholds_passed(lapses_on, today)
        state = THRESHOLD_WORDS[passed[-1]]
        title = (
            f"{membership.user.name} ({agency.organization.name}) {state} "
            f"{lapses_on:%d %b %Y}: {', '.join(frameworks)}"
        )
        flagged, previous = flag(
            session,
            FlagKind.TRAINING_LAPSE,
            subject,
            Flagged(membership.partnership_id, title),
            lapses_on,
            passed[-1],
            today,
            report,
        )
        flagged.resolved_at = None  # lapsing again after being dealt with (e.g. re-added)
        if previous == passed[-1] or flagged.acknowledged_at is not None:
            continue
        notify(
            session,
            ReminderKind.TRAINING_LAPSE,
            "training_lapse",
            f"Training {'lapsed' if passed[-1] == 'expiry' else 'lapsing'}: "
            f"{membership.user.name}, {', '.join(frameworks)}",
            key=f"training-lapse:{membership.id}:{lapses_on.isoformat()}:{passed[-1]}",
            to=people(
                session,
                membership.partnership_id,
                Membership.role == Role.FACILITATOR,
                Membership.id == agency.liaison_id,
            ),
            about=subject,
            partnership_id=membership.partnership_id,
            names=partnerships.names,
            now=now,
            report=report,
            person_name=membership.user.name,
            agency_name=agency.organization.name,
            frameworks=", ".join(frameworks),
            state=state,
            lapses_on=long_date(lapses_on),
            expired=passed[-1] == "expiry",
            link=external_url("training.coverage", partnership_id=membership.partnership_id),
        )
    return subjects


def _flag_gaps(session, found: queries.Coverage, today, report) -> set[str]:
    """One flag per agency with people missing a training they need (no email: the overview,
    the dashboard and the coverage page show it; the lapse emails are what fall due)."""
    subjects = set()
    if not found.tracked:
        return subjects
    for agency in found.agencies:
        missing = {
            p.membership.user.name
            for p in found.people
            if p.agency.id == agency.id and any(s.status is Status.MISSING for s in p.standings)
        }
        if not missing:
            continue
        subject = f"training-gap:{agency.id}"
        subjects.add(subject)
        count = len(missing)
        title = (
            f"{agency.organization.name}: {count} {'person' if count == 1 else 'people'} "
            f"not trained in what they need ({', '.join(sorted(missing))})"
        )[:300]
        gap, _previous = flag(
            session,
            FlagKind.TRAINING_GAP,
            subject,
            Flagged(found.partnership_id, title),
            agency.joined_on,  # fixed, so the agency keeps one flag while the gap stays
            "missing",
            today,
            report,
        )
        gap.resolved_at = None  # a gap closed once and open again is shown again
    return subjects


@flag_subject("training")
def lapse_owners() -> Select:
    """A lapsing training is its holder's to renew."""
    return select(Membership.id, Membership.id, no_id())


@flag_subject("training-gap")
def gap_owners() -> Select:
    """An agency's untrained people are its liaison's to get trained."""
    return select(PartnerAgency.id, no_id(), PartnerAgency.id)
