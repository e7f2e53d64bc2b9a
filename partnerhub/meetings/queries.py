"""What the meetings pages, panels and dashboard show, each loaded in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache

from sqlalchemy import Row, ScalarSelect, Select, bindparam, func, literal, select, union_all
from sqlalchemy.orm import (
    Session,
    aliased,
    defer,
    joinedload,
    raiseload,
    selectinload,
    with_expression,
)

from partnerhub.agreements.models import Agreement
from partnerhub.auth.models import User
from partnerhub.db import among, read_rows
from partnerhub.meetings import services
from partnerhub.meetings.models import (
    ActionItem,
    ActionItemStatus,
    AgendaItem,
    Attendance,
    AttendanceStatus,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    Minutes,
)
from partnerhub.pagination import Page, page_of
from partnerhub.partnerships.models import Membership, Organization, PartnerAgency, Partnership
from partnerhub.partnerships.registry import FACT_DAY, fact
from partnerhub.partnerships.snapshot import facts, share, shared
from partnerhub.procedures.models import Procedure
from partnerhub.procedures.services import active_agencies

REPORT_MEETINGS = 12
# Owners joined to the item's row: pages list items without a query per kind of owner.
ACTION_ITEM_OWNERS_JOINED = (
    joinedload(ActionItem.owner_membership),
    joinedload(ActionItem.owner_agency),
)


def members_of(session: Session, partnership_id: int) -> list[Membership]:
    """The partnership's active members with their agencies, by name."""
    members = session.scalars(_members(), {"partnership_id": partnership_id}).all()
    return sorted(members, key=lambda m: m.user.name.lower())


# The reads the pages make at every request are built once, their values bound at each read:
# building a statement and working out its key in SQLAlchemy's cache cost more than running
# most of them (one meeting's page built five, 0.2 ms of keys alone).


@cache
def _members() -> Select:
    return (
        select(Membership)
        .where(
            Membership.partnership_id == bindparam("partnership_id"), Membership.left_at.is_(None)
        )
        .options(joinedload(Membership.partner_agency))
    )


def agencies_of(session: Session, partnership_id: int) -> list[PartnerAgency]:
    """The agencies at the partnership's table now, by name."""
    agencies = active_agencies(session, partnership_id)
    return sorted(agencies, key=lambda a: a.organization.name.lower())


@dataclass
class MeetingsOverview:
    upcoming: list[Meeting]
    past: Page[Meeting]
    series: list[MeetingSeries]
    agenda_counts: dict[int, int]
    my_answers: dict[int, AttendanceStatus]


def review_subjects(session: Session, partnership_id: int) -> list[tuple[str, str]]:
    """What a review item can be about: the partnership's procedures, then its agreements."""
    rows = read_rows(session, _review_subjects(), {"partnership_id": partnership_id})
    return [(f"{kind}:{id_}", f"{kind.capitalize()}: {title}") for kind, id_, title in rows]


@cache
def _review_subjects() -> Select:
    partnership = bindparam("partnership_id")
    procedures = select(literal("procedure").label("kind"), Procedure.id, Procedure.title).where(
        Procedure.partnership_id == partnership
    )
    agreements = select(literal("agreement").label("kind"), Agreement.id, Agreement.title).where(
        Agreement.partnership_id == partnership
    )
    both = union_all(procedures, agreements).subquery()
    return select(both.c.kind, both.c.id, both.c.title).order_by(
        both.c.kind.desc(), both.c.title, both.c.id
    )


# A list of meetings shows neither a meeting's series (joined by default) nor its reminders.
_AS_LISTED = (raiseload(Meeting.series), defer(Meeting.reminder_offsets, raiseload=True))


def meetings_overview(
    session: Session, partnership_id: int, membership_id: int, now: datetime, past_page: int = 1
) -> MeetingsOverview:
    """Upcoming meetings with their agenda sizes and my answers, a page of past meetings
    (newest first) and the series."""
    upcoming = session.execute(
        _upcoming_with_counts(),
        {"partnership_id": partnership_id, "membership_id": membership_id, "now": now},
    ).all()
    past = page_of(
        session, _past(), past_page, parameters={"partnership_id": partnership_id, "now": now}
    )
    series = session.scalars(_series(), {"partnership_id": partnership_id}).all()
    return MeetingsOverview(
        upcoming=[meeting for meeting, _, _ in upcoming],
        past=past,
        series=list(series),
        agenda_counts={meeting.id: count for meeting, count, _ in upcoming},
        my_answers={meeting.id: answer for meeting, _, answer in upcoming if answer is not None},
    )


@cache
def _past() -> Select:
    return (
        select(Meeting)
        .where(
            Meeting.partnership_id == bindparam("partnership_id"),
            Meeting.ends_at < bindparam("now"),
        )
        .options(*_AS_LISTED)
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
    )


@cache
def _series() -> Select:
    return (
        select(MeetingSeries)
        .where(MeetingSeries.partnership_id == bindparam("partnership_id"))
        .order_by(MeetingSeries.starts_on)
    )


@cache
def _upcoming_with_counts() -> Select:
    """The meetings not yet ended with their agenda sizes and the member's answers. Built
    once: its two subqueries cost more to set up than the statement takes to run."""
    agenda_count = (
        select(func.count(AgendaItem.id))
        .where(AgendaItem.meeting_id == Meeting.id)
        .scalar_subquery()
    )
    my_answer = (
        select(Attendance.status)
        .where(
            Attendance.meeting_id == Meeting.id,
            Attendance.membership_id == bindparam("membership_id"),
        )
        .scalar_subquery()
    )
    return (
        select(Meeting, agenda_count, my_answer)
        .where(
            Meeting.partnership_id == bindparam("partnership_id"),
            Meeting.ends_at >= bindparam("now"),
        )
        .options(*_AS_LISTED)
        .order_by(Meeting.starts_at)
    )


def _previous(column, prior) -> ScalarSelect:
    """`column` of the meeting before the one in the enclosing query (see Meeting.previous_id)."""
    return (
        select(column)
        .where(*services.earlier_than(prior, Meeting))
        .order_by(prior.starts_at.desc())
        .limit(1)
        .scalar_subquery()
    )


def meeting_in(session: Session, partnership_id: int, meeting_id: int) -> Meeting | None:
    """A meeting of this partnership with its agenda, attendance, minutes and the meeting
    before it, or None.

    The minutes and their few revisions come joined to the meeting's row, the previous
    meeting as two columns of it; the agenda (with presenters and proposers joined) and the
    attendance take one query each."""
    parameters = {"meeting_id": meeting_id, "partnership_id": partnership_id}
    return session.scalars(_meeting_page(), parameters).unique().first()


@cache
def _meeting_page() -> Select:
    prior = aliased(Meeting)
    return (
        select(Meeting)
        .where(
            Meeting.id == bindparam("meeting_id"),
            Meeting.partnership_id == bindparam("partnership_id"),
        )
        .options(
            selectinload(Meeting.agenda_items).options(
                joinedload(AgendaItem.presenter), joinedload(AgendaItem.proposed_by)
            ),
            selectinload(Meeting.attendances),
            joinedload(Meeting.minutes).joinedload(Minutes.revisions),
            with_expression(Meeting.previous_id, _previous(prior.id, prior)),
            with_expression(Meeting.previous_starts_at, _previous(prior.starts_at, prior)),
        )
    )


def series_in(session: Session, partnership_id: int, series_id: int) -> MeetingSeries | None:
    return session.scalars(
        select(MeetingSeries).where(
            MeetingSeries.id == series_id, MeetingSeries.partnership_id == partnership_id
        )
    ).first()


def agenda_item_in(session: Session, meeting: Meeting, item_id: int) -> AgendaItem | None:
    return next((i for i in meeting.agenda_items if i.id == item_id), None)


def action_item_in(session: Session, partnership_id: int, item_id: int) -> ActionItem | None:
    return session.scalars(
        select(ActionItem).where(
            ActionItem.id == item_id, ActionItem.partnership_id == partnership_id
        )
    ).first()


def meeting_action_items(session: Session, meeting_id: int) -> list[ActionItem]:
    return list(session.scalars(_meeting_action_items(), {"meeting_id": meeting_id}))


@cache
def _meeting_action_items() -> Select:
    return (
        select(ActionItem)
        .where(ActionItem.meeting_id == bindparam("meeting_id"))
        .options(*ACTION_ITEM_OWNERS_JOINED)
        .order_by(ActionItem.id)
    )


def carried_to_next(session: Session, meeting: Meeting) -> tuple[Meeting | None, set[int]]:
    """The next meeting, and which of this meeting's items are already on its agenda."""
    following = services.next_meeting_after(session, meeting)
    if following is None:
        return None, set()
    carried = session.scalars(
        select(AgendaItem.carried_from_id).where(
            AgendaItem.meeting_id == following.id, AgendaItem.carried_from_id.is_not(None)
        )
    )
    return following, set(carried)


def action_items_page(
    session: Session,
    partnership_id: int,
    status: ActionItemStatus | None,
    owner_membership_id: int | None = None,
    number: int = 1,
) -> Page[Row]:
    """A page of the partnership's action items (of one status or all; one member's or
    everyone's), soonest due first: rows of the item, its owner's name, its agency's name and
    when its meeting began (each None when it has none)."""
    query = _action_item_lines(status is not None, owner_membership_id is not None)
    parameters = {"partnership_id": partnership_id, "status": status, "owner": owner_membership_id}
    return page_of(session, query, number, parameters=parameters)


def with_owner_names(query: Select) -> Select:
    """A query of action items with two columns more: the owner's name (`owner`) and the
    owning agency's name (`agency`), each None when the item has none."""
    owner, owner_user = aliased(Membership), aliased(User)
    agency, organization = aliased(PartnerAgency), aliased(Organization)
    return (
        query.add_columns(owner_user.name.label("owner"), organization.name.label("agency"))
        .outerjoin(owner, owner.id == ActionItem.owner_membership_id)
        .outerjoin(owner_user, owner_user.id == owner.user_id)
        .outerjoin(agency, agency.id == ActionItem.owner_agency_id)
        .outerjoin(organization, organization.id == agency.organization_id)
    )


@cache
def _action_item_lines(of_status: bool, of_owner: bool) -> Select:
    # built once for each filter: building it at each read took longer than running it. The
    # names a line shows come beside the item: joining the owner, the agency and the meeting
    # as objects took twice as long as the item and three names.
    query = (
        with_owner_names(select(ActionItem))
        .add_columns(Meeting.starts_at.label("meeting_at"))
        .outerjoin(Meeting, Meeting.id == ActionItem.meeting_id)
        .where(ActionItem.partnership_id == bindparam("partnership_id"))
        .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)
    )
    if of_status:
        query = query.where(ActionItem.status == bindparam("status"))
    if of_owner:
        query = query.where(ActionItem.owner_membership_id == bindparam("owner"))
    return query


# --- attendance by agency -----------------------------------------------------------------


@dataclass
class AttendanceReport:
    """Which agencies were at each held meeting, newest last."""

    meetings: list[Meeting]
    agencies: list[PartnerAgency]
    present: dict[int, set[int]] = field(default_factory=dict)  # agency id -> meeting ids
    missed_in_a_row: dict[int, int] = field(default_factory=dict)  # agency id -> meetings

    def was_present(self, agency: PartnerAgency, meeting: Meeting) -> bool:
        return meeting.id in self.present.get(agency.id, set())

    threshold: int = 3  # the partnership's `absence_flag_after`

    def stands_out(self, agency: PartnerAgency) -> bool:
        return self.missed_in_a_row.get(agency.id, 0) >= self.threshold


def held_meetings(
    session: Session, partnership_ids: list[int], last: int
) -> dict[int, list[Meeting]]:
    """Each partnership's last `last` held meetings, oldest first."""
    ranked = (
        select(
            Meeting.id,
            func.row_number()
            .over(partition_by=Meeting.partnership_id, order_by=Meeting.starts_at.desc())
            .label("rank"),
        )
        .where(Meeting.partnership_id.in_(partnership_ids), Meeting.status == MeetingStatus.HELD)
        .subquery()
    )
    meetings = session.scalars(
        select(Meeting)
        .join(ranked, ranked.c.id == Meeting.id)
        .where(ranked.c.rank <= last)
        .order_by(Meeting.starts_at)
    ).all()
    by_partnership: dict[int, list[Meeting]] = defaultdict(list)
    for meeting in meetings:
        by_partnership[meeting.partnership_id].append(meeting)
    return by_partnership


def agencies_present(session: Session, meeting_ids: list[int]) -> dict[int, set[int]]:
    """agency id -> the meetings (of `meeting_ids`) at least one of its members attended."""
    rows = session.execute(
        select(Membership.partner_agency_id, Attendance.meeting_id)
        .join(Membership, Membership.id == Attendance.membership_id)
        .where(
            Attendance.meeting_id.in_(meeting_ids),
            Attendance.status == AttendanceStatus.ATTENDED,
            Membership.partner_agency_id.is_not(None),
        )
        .distinct()
    ).all()
    present: dict[int, set[int]] = defaultdict(set)
    for agency_id, meeting_id in rows:
        present[agency_id].add(meeting_id)
    return present


def missed_in_a_row(
    agency: PartnerAgency, meetings: list[Meeting], present: dict[int, set[int]]
) -> int:
    """How many of the latest meetings (since the agency joined) it missed in a row."""
    missed = 0
    for meeting in reversed(meetings):
        if meeting.id in present.get(agency.id, set()):
            break
        if meeting.starts_at.date() < agency.joined_on:
            break
        missed += 1
    return missed


def attendance_report(session: Session, partnership: Partnership) -> AttendanceReport:
    """Per-agency attendance over the last held meetings."""
    partnership_id = partnership.id
    meetings = held_meetings(session, [partnership_id], REPORT_MEETINGS).get(partnership_id, [])
    present = agencies_present(session, [m.id for m in meetings])
    agencies = agencies_of(session, partnership_id)
    return AttendanceReport(
        meetings=meetings,
        agencies=agencies,
        present=present,
        missed_in_a_row={a.id: missed_in_a_row(a, meetings, present) for a in agencies},
        threshold=partnership.absence_flag_after,
    )


# --- dashboard and overview ---------------------------------------------------------------


def overdue_action_items(
    session: Session, partnership_ids: list[int], today: date
) -> dict[int, int]:
    """partnership id -> how many open action items are past due, where any are (a fact the
    page reads with the partnerships' others)."""
    found = facts(session, partnership_ids, today)
    return {
        pid: known["overdue_action_items"]
        for pid, known in found.items()
        if known["overdue_action_items"]
    }


@fact("overdue_action_items")
def _overdue_count() -> ScalarSelect:
    return (
        select(func.count(ActionItem.id))
        .where(
            ActionItem.partnership_id == Partnership.id,
            ActionItem.status == ActionItemStatus.OPEN,
            ActionItem.due_on < FACT_DAY,
        )
        .scalar_subquery()
    )


def next_meeting_and_series(
    session: Session, partnership_id: int, now: datetime
) -> tuple[Meeting | None, MeetingSeries | None]:
    """The next meeting (scheduled and not over) and the active series (see `active_series`),
    in one statement; the series is offered to the rest of the page (`active_series_of`).
    With no meeting ahead there is no active series either."""
    parameters = {"partnership_id": partnership_id, "partnership_ids": [partnership_id], "now": now}
    row = session.execute(_next_meeting_and_series(), parameters).first()
    meeting, series = row if row is not None else (None, None)
    share(session, _active_series_key(partnership_id), series)
    return meeting, series


def active_series(
    session: Session, partnership_ids: list[int], now: datetime
) -> dict[int, MeetingSeries]:
    """partnership id -> its active series: of those with a meeting still scheduled ahead,
    the earliest created (the standing one; a series changed from a date on hands its later
    meetings to the series that continues it), in one statement."""
    found = session.scalars(
        select(MeetingSeries).where(MeetingSeries.id.in_(_active_series_ids())),
        {"partnership_ids": list(partnership_ids), "now": now},
    )
    return {series.partnership_id: series for series in found}


@cache
def _next_meeting_and_series() -> Select:
    # built once, bound at each run: its subqueries cost more to set up than to run
    return (
        select(Meeting, MeetingSeries)
        .outerjoin(MeetingSeries, MeetingSeries.id.in_(_active_series_ids()))
        .where(
            Meeting.partnership_id == bindparam("partnership_id"),
            Meeting.ends_at >= bindparam("now"),
            Meeting.status == MeetingStatus.SCHEDULED,
        )
        .order_by(Meeting.starts_at)
        .limit(1)
    )


@cache
def _active_series_ids() -> Select:
    """The active series' ids of the partnerships `partnership_ids` at `now` (both bound)."""
    ahead = select(Meeting.series_id).where(
        among(Meeting.partnership_id, "partnership_ids"),
        Meeting.series_id.is_not(None),
        Meeting.starts_at >= bindparam("now"),
        Meeting.status == MeetingStatus.SCHEDULED,
    )
    return (
        select(func.min(MeetingSeries.id))
        .where(MeetingSeries.id.in_(ahead))
        .group_by(MeetingSeries.partnership_id)
    )


def _active_series_key(partnership_id: int) -> tuple:
    return ("meetings.active_series", partnership_id)


def active_series_of(session: Session, partnership_id: int, now: datetime):
    """The partnership's active series or None, read once per page (its panel and its
    stage check both show it)."""
    return shared(
        session,
        _active_series_key(partnership_id),
        lambda: active_series(session, [partnership_id], now).get(partnership_id),
    )


def my_open_action_items(session: Session, user_id: int) -> list[ActionItem]:
    """A person's open action items in every partnership they are active in."""
    return list(
        session.scalars(
            select(ActionItem)
            .join(Membership, Membership.id == ActionItem.owner_membership_id)
            .where(
                Membership.user_id == user_id,
                Membership.left_at.is_(None),
                ActionItem.status == ActionItemStatus.OPEN,
            )
            .options(selectinload(ActionItem.owner_membership).selectinload(Membership.partnership))
            .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)
        )
    )


def open_action_items_preview(
    session: Session, partnership_id: int, shown: int
) -> tuple[list[ActionItem], int]:
    """The first `shown` open action items, soonest due first, and how many are open, in
    one statement (a window count), for a summary that does not grow with the backlog."""
    parameters = {"partnership_id": partnership_id, "shown": shown}
    rows = session.execute(_open_action_items_preview(), parameters).all()
    return [item for item, _ in rows], rows[0].open if rows else 0


@cache
def _open_action_items_preview() -> Select:
    # built once, bound at each run
    return (
        select(ActionItem, func.count().over().label("open"))
        .where(
            ActionItem.partnership_id == bindparam("partnership_id"),
            ActionItem.status == ActionItemStatus.OPEN,
        )
        .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)
        .limit(bindparam("shown"))
    )


def upcoming_across(
    session: Session,
    membership_ids: list[int],
    partnership_ids: list[int],
    now: datetime,
    limit: int,
) -> list[tuple[Meeting, AttendanceStatus | None]]:
    """The next `limit` scheduled meetings of these partnerships, each with the answer one of
    `membership_ids` gave to it, in one statement."""
    parameters = {
        "membership_ids": list(membership_ids),
        "partnership_ids": list(partnership_ids),
        "now": now,
        "limit": limit,
    }
    rows = session.execute(_upcoming_across(), parameters).all()
    return [(meeting, answer) for meeting, answer in rows]


@cache
def _upcoming_across() -> Select:
    my_answer = (
        select(Attendance.status)
        .where(
            Attendance.meeting_id == Meeting.id, among(Attendance.membership_id, "membership_ids")
        )
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(Meeting, my_answer)
        .where(
            among(Meeting.partnership_id, "partnership_ids"),
            Meeting.status == MeetingStatus.SCHEDULED,
            Meeting.ends_at >= bindparam("now"),
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(bindparam("limit"))
    )


def open_action_items_of(session: Session, membership_ids: list[int]) -> list[ActionItem]:
    """The open action items these memberships own, soonest due first, in one statement."""
    parameters = {"membership_ids": list(membership_ids)}
    return list(session.scalars(_open_action_items_of(), parameters))


@cache
def _open_action_items_of() -> Select:
    return (
        select(ActionItem)
        .where(
            among(ActionItem.owner_membership_id, "membership_ids"),
            ActionItem.status == ActionItemStatus.OPEN,
        )
        .order_by(ActionItem.due_on.is_(None), ActionItem.due_on, ActionItem.id)
    )
