"""Rules of the procedures module: the sharing matrix and the procedure review cycle.

A procedure moves through versions: an edit creates a draft, a draft is submitted for review,
every active partner agency signs it off through its liaison or alternate, and the last
sign-off approves it (the previous approved version becomes superseded). Anyone may request
changes while it is in review, which sends it back to draft; the sign-offs it had stay on
record but no longer count, and a new edit is needed before it can be submitted again.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import NamedTuple

from dateutil.relativedelta import relativedelta
from sqlalchemy import Select, and_, bindparam, or_, select
from sqlalchemy.orm import Session, defer, joinedload, raiseload, selectinload

from partnerhub import permissions
from partnerhub.audit.services import record
from partnerhub.db import among, columns_of, read_rows
from partnerhub.errors import Conflict, DomainError, InvalidTransition, NotFound, PermissionDenied
from partnerhub.identifiers import screen
from partnerhub.pagination import Page, page_of
from partnerhub.partnerships.models import Membership, Organization, PartnerAgency, Partnership
from partnerhub.partnerships.services import local_today
from partnerhub.partnerships.snapshot import share, shared
from partnerhub.permissions import Action
from partnerhub.procedures.models import (
    ChangeRequest,
    LegalBasis,
    Procedure,
    ProcedureReview,
    ProcedureStatus,
    ProcedureVersion,
    SignOff,
)
from partnerhub.procedures.permissions import may_record_sign_off, may_sign_for


def review_date_after(start: date, months: int) -> date:
    """`months` calendar months after `start` (31 January + 1 month is the end of February)."""
    return start + relativedelta(months=months)


# --- loading ---


def active_agencies(session: Session, partnership_id: int) -> list[PartnerAgency]:
    """The agencies at the table today, by name (read once by a page that shares its reads)."""
    parameters = {"partnership_id": partnership_id}
    return shared(
        session,
        ("open agencies", partnership_id),
        lambda: list(session.scalars(_open_agencies(), parameters).unique()),
    )


@cache
def _open_agencies() -> Select:
    return (
        select(PartnerAgency)
        .where(
            PartnerAgency.partnership_id == bindparam("partnership_id"),
            PartnerAgency.left_on.is_(None),
        )
        .order_by(PartnerAgency.id)
    )


# Lists show a version's status, dates and sign-offs, not its text, which a join would repeat
# on every row of the version (once per agency yet to sign).
WITHOUT_TEXT = defer(ProcedureVersion.body_markdown)

# Which agencies signed, by id, without the agency, its organization, the person and their
# account that a sign-off joins by default: a list of procedures shows none of them.
_WHICH_AGENCIES_SIGNED = selectinload(ProcedureVersion.sign_offs).options(
    raiseload(SignOff.partner_agency), raiseload(SignOff.membership)
)


def _with_history():
    return selectinload(Procedure.versions).options(
        selectinload(ProcedureVersion.sign_offs), selectinload(ProcedureVersion.change_requests)
    )


def partnership_procedures(session: Session, partnership_id: int) -> list[Procedure]:
    """Every procedure of a partnership with its versions and sign-offs, in a fixed few queries."""
    return list(
        session.scalars(
            select(Procedure)
            .where(Procedure.partnership_id == partnership_id)
            .options(_with_history())
            .order_by(Procedure.retired_at.is_not(None), Procedure.title, Procedure.id)
        ).unique()
    )


def procedures_page(session: Session, partnership_id: int, number: int) -> Page[Procedure]:
    """A page of the partnership's procedures (retired last, by title) with what the list
    shows of their versions: statuses, dates and sign-offs, not their texts. The versions
    come joined to their procedures, and their sign-offs in a second statement."""
    return page_of(session, _listed(), number, parameters={"partnership_id": partnership_id})


@cache
def _listed() -> Select:
    # built once: building it, its loading options and their keys in SQLAlchemy's cache took
    # longer than running it
    versions = joinedload(Procedure.versions).options(WITHOUT_TEXT, _WHICH_AGENCIES_SIGNED)
    return (
        select(Procedure)
        .where(Procedure.partnership_id == bindparam("partnership_id"))
        .options(versions)
        .order_by(Procedure.retired_at.is_not(None), Procedure.title, Procedure.id)
    )


def get_procedure(session: Session, partnership_id: int, procedure_id: int) -> Procedure:
    """One procedure of this partnership with its history; NotFound across partnerships."""
    parameters = {"procedure_id": procedure_id, "partnership_id": partnership_id}
    procedure = session.scalars(_with_its_history(), parameters).first()
    if procedure is None:
        raise NotFound("There is no such procedure in this partnership.")
    return procedure


@cache
def _with_its_history() -> Select:
    return (
        select(Procedure)
        .where(
            Procedure.id == bindparam("procedure_id"),
            Procedure.partnership_id == bindparam("partnership_id"),
        )
        .options(_with_history())
    )


def get_version(procedure: Procedure, number: int) -> ProcedureVersion:
    """A version of `procedure` by its number; NotFound when there is none."""
    for version in procedure.versions:
        if version.number == number:
            return version
    raise NotFound("There is no such version of this procedure.")


def pending_agencies(
    version: ProcedureVersion, agencies: Iterable[PartnerAgency]
) -> list[PartnerAgency]:
    """The active agencies whose sign-off `version` still needs."""
    signed = {s.partner_agency_id for s in version.counting_sign_offs}
    return [a for a in agencies if a.is_active and a.id not in signed]


def procedures_due_for_review(
    session: Session, today: date, partnership_ids: Iterable[int] | None = None
) -> list[Procedure]:
    """Procedures in force whose next review date is today or past, oldest first."""
    query = (
        select(Procedure)
        .where(Procedure.retired_at.is_(None), Procedure.next_review_on <= today)
        .order_by(Procedure.next_review_on, Procedure.id)
    )
    if partnership_ids is not None:
        query = query.where(Procedure.partnership_id.in_(list(partnership_ids)))
    return list(session.scalars(query).unique())


class WaitingProcedure(NamedTuple):
    """A procedure in force as what waits on it lists it: its fields, not the object."""

    id: int
    partnership_id: int
    title: str
    next_review_on: date | None
    owning_agency_id: int


class VersionInReview(NamedTuple):
    """The version of it out for sign-off."""

    id: int
    number: int
    change_summary: str


class Signer(NamedTuple):
    """An agency at the table yet to sign a version, and who signs for it."""

    id: int
    name: str
    liaison_id: int | None
    alternate_id: int | None

    @property
    def is_active(self) -> bool:
        return True  # only agencies at the table are read


Awaiting = tuple[WaitingProcedure, VersionInReview, list[Signer]]


def awaiting_sign_off(session: Session, partnership_ids: Iterable[int]) -> list[Awaiting]:
    """(procedure, version in review, agencies yet to sign) across partnerships (read once
    per page that shares its reads, with the reviews due or alone)."""
    ids = frozenset(partnership_ids)
    return shared(session, _awaiting_key(ids), lambda: sign_offs_and_reviews_due(session, ids)[0])


def _awaiting_key(partnership_ids: frozenset[int]) -> tuple:
    return ("awaiting sign-off", partnership_ids)


def sign_offs_and_reviews_due(
    session: Session, partnership_ids: Iterable[int], review_by: date | None = None
) -> tuple[list[Awaiting], list[WaitingProcedure]]:
    """What awaits sign-off (as `awaiting_sign_off`) and, given `review_by`, the procedures
    due for review by then, in one statement: each procedure in force beside its version in
    review and the active agencies without a counting sign-off on it (none counts once
    changes were requested). Plain rows: as objects, the three of each row took twice as
    long to load as the statement took to run."""
    parameters = {"partnership_ids": list(partnership_ids)}
    if review_by is not None:
        parameters["review_by"] = review_by
    rows = read_rows(session, _waiting_and_due(review_by is not None), parameters)
    awaiting: dict[int, Awaiting] = {}
    due: dict[int, WaitingProcedure] = {}
    for row in rows:
        procedure = WaitingProcedure._make(row[:_VERSION])
        if row[_VERSION] is not None:
            waiting = awaiting.get(row[_VERSION])
            if waiting is None:
                version = VersionInReview._make(row[_VERSION:_SIGNER])
                waiting = awaiting[version.id] = (procedure, version, [])
            if row[_SIGNER] is not None:
                waiting[2].append(Signer._make(row[_SIGNER:]))
        if review_by and procedure.next_review_on and procedure.next_review_on <= review_by:
            due[procedure.id] = procedure
    share(session, _awaiting_key(frozenset(partnership_ids)), list(awaiting.values()))
    return list(awaiting.values()), sorted(due.values(), key=lambda p: (p.next_review_on, p.id))


# where a row of `_waiting_and_due` turns from the procedure to its version, and to the signer
_VERSION = len(WaitingProcedure._fields)
_SIGNER = _VERSION + len(VersionInReview._fields)


@cache
def _waiting_and_due(with_reviews: bool) -> Select:
    # built once for each shape: setting up its joins took longer than running it
    in_review = and_(
        ProcedureVersion.procedure_id == Procedure.id,
        ProcedureVersion.status == ProcedureStatus.IN_REVIEW,
    )
    signed = (
        select(SignOff.id)
        .where(
            SignOff.version_id == ProcedureVersion.id,
            SignOff.partner_agency_id == PartnerAgency.id,
        )
        .exists()
    )
    pending = and_(
        ProcedureVersion.id.is_not(None),
        PartnerAgency.partnership_id == Procedure.partnership_id,
        PartnerAgency.left_on.is_(None),
        or_(ProcedureVersion.returned_at.is_not(None), ~signed),
    )
    wanted = ProcedureVersion.id.is_not(None)
    if with_reviews:
        wanted = wanted | (Procedure.next_review_on <= bindparam("review_by"))
    return (
        select(
            *columns_of(Procedure, WaitingProcedure),
            *columns_of(ProcedureVersion, VersionInReview),
            PartnerAgency.id,
            Organization.name,
            PartnerAgency.liaison_id,
            PartnerAgency.alternate_id,
        )
        .outerjoin(ProcedureVersion, in_review)
        .outerjoin(PartnerAgency, pending)
        .outerjoin(Organization, Organization.id == PartnerAgency.organization_id)
        .where(
            among(Procedure.partnership_id, "partnership_ids"),
            Procedure.retired_at.is_(None),
            wanted,
        )
        .order_by(ProcedureVersion.submitted_at, ProcedureVersion.id, PartnerAgency.id)
    )


def procedures_in_review(
    session: Session, partnership_ids: Iterable[int]
) -> list[tuple[Procedure, ProcedureVersion]]:
    """(procedure, version) for every version awaiting sign-off in these partnerships."""
    rows = session.execute(
        select(Procedure, ProcedureVersion)
        .join(ProcedureVersion, ProcedureVersion.procedure_id == Procedure.id)
        .where(
            Procedure.partnership_id.in_(list(partnership_ids)),
            Procedure.retired_at.is_(None),
            ProcedureVersion.status == ProcedureStatus.IN_REVIEW,
        )
        .options(WITHOUT_TEXT, selectinload(ProcedureVersion.sign_offs))
        .order_by(ProcedureVersion.submitted_at, ProcedureVersion.id)
    ).unique()
    return [(procedure, version) for procedure, version in rows]


# --- procedures ---


@dataclass
class ProcedureText:
    """What an edit supplies: the procedure's settings and the new version's text."""

    title: str
    body_markdown: str
    change_summary: str
    legal_bases: list[LegalBasis] = field(default_factory=list)
    review_cadence_months: int = 12
    keep_reason: str | None = None  # why text that may identify a youth must stay


def agency_of(session: Session, partnership_id: int, agency_id: int | None) -> PartnerAgency:
    agency = session.get(PartnerAgency, agency_id) if agency_id else None
    if agency is None or agency.partnership_id != partnership_id or not agency.is_active:
        raise NotFound("Choose an agency at this partnership's table.")
    return agency


def require_allowed(membership: Membership, action: str, obj: object, message: str) -> None:
    if not permissions.can(membership, action, obj):
        raise PermissionDenied(message)


def create_procedure(
    session: Session,
    membership: Membership,
    owning_agency_id: int | None,
    text: ProcedureText,
    now: datetime,
) -> Procedure:
    """Start a procedure owned by an agency, with its first version as a draft."""
    agency = agency_of(session, membership.partnership_id, owning_agency_id)
    procedure = Procedure(
        partnership_id=membership.partnership_id,
        owning_agency_id=agency.id,
        title=text.title.strip(),
        review_cadence_months=text.review_cadence_months,
        versions=[],
    )
    require_allowed(
        membership,
        Action.PROCEDURE_EDIT,
        procedure,
        "Members write procedures for their own agency; ask a facilitator for others.",
    )
    session.add(procedure)
    version = _new_version(session, procedure, membership, text, now)
    record(
        session,
        membership.user,
        "procedure.created",
        procedure,
        f"Created procedure “{procedure.title}” owned by {agency.organization.name}",
        now,
        partnership_id=procedure.partnership_id,
        details={"version": version.number},
    )
    return procedure


def _new_version(
    session: Session,
    procedure: Procedure,
    membership: Membership,
    text: ProcedureText,
    now: datetime,
) -> ProcedureVersion:
    screen(
        session,
        membership.partnership_id,
        [text.title, text.body_markdown, text.change_summary],
        keep_reason=text.keep_reason,
        actor=membership.user,
        now=now,
        what=f"procedure “{text.title.strip()}”",
    )
    latest = procedure.latest_version
    version = ProcedureVersion(
        number=latest.number + 1 if latest else 1,
        body_markdown=text.body_markdown,
        legal_bases=[basis.value for basis in text.legal_bases],
        change_summary=text.change_summary.strip(),
        status=ProcedureStatus.DRAFT,
        author_id=membership.user_id,
        created_at=now,
        sign_offs=[],
        change_requests=[],
    )
    procedure.versions.append(version)
    return version


def revise_procedure(
    session: Session,
    membership: Membership,
    procedure: Procedure,
    text: ProcedureText,
    now: datetime,
) -> ProcedureVersion:
    """Record an edit as a new draft version; an unfinished version it replaces is superseded."""
    require_allowed(
        membership,
        Action.PROCEDURE_EDIT,
        procedure,
        "Only the owning agency's members and facilitators edit this procedure.",
    )
    if procedure.is_retired:
        raise InvalidTransition("This procedure is retired; it can no longer be edited.")
    if not text.change_summary.strip():
        raise DomainError("Say what changed in this version.")
    latest = procedure.latest_version
    if (
        latest is not None
        and latest.body_markdown == text.body_markdown
        and latest.legal_bases == [b.value for b in text.legal_bases]
        and procedure.title == text.title.strip()
        and procedure.review_cadence_months == text.review_cadence_months
    ):
        raise DomainError("Nothing changed: edit the text, title, legal bases or cadence.")
    replaced = procedure.open_version
    if replaced is not None:
        replaced.status = ProcedureStatus.SUPERSEDED
        replaced.superseded_at = now
    procedure.title = text.title.strip()
    procedure.review_cadence_months = text.review_cadence_months
    version = _new_version(session, procedure, membership, text, now)
    record(
        session,
        membership.user,
        "procedure.revised",
        version,
        f"Version {version.number} of “{procedure.title}”: {version.change_summary}",
        now,
        partnership_id=procedure.partnership_id,
        details={"procedure_id": procedure.id, "replaced": replaced.number if replaced else None},
    )
    return version


def submit_for_review(
    session: Session, membership: Membership, procedure: Procedure, now: datetime
) -> ProcedureVersion:
    """Send the draft version to every agency for sign-off."""
    require_allowed(
        membership,
        Action.PROCEDURE_EDIT,
        procedure,
        "Only the owning agency's members and facilitators submit this procedure.",
    )
    version = procedure.open_version
    if procedure.is_retired or version is None or version.status is not ProcedureStatus.DRAFT:
        raise InvalidTransition("There is no draft of this procedure to submit.")
    if version.returned_at is not None:
        raise InvalidTransition(
            "Changes were requested on this version: edit it to make a new version first."
        )
    version.status = ProcedureStatus.IN_REVIEW
    version.submitted_at = now
    record(
        session,
        membership.user,
        "procedure.submitted",
        version,
        f"Submitted version {version.number} of “{procedure.title}” for sign-off",
        now,
        partnership_id=procedure.partnership_id,
    )
    return version


def sign_off(
    session: Session,
    membership: Membership,
    procedure: Procedure,
    version: ProcedureVersion,
    agency_id: int | None,
    now: datetime,
) -> SignOff:
    """Sign off for an agency I sign for (its liaison or alternate); the last sign-off
    needed approves the version. Facilitators record others' with `record_sign_offs`."""
    _require_in_review(procedure, version)
    if agency_id is None:
        waiting = pending_agencies(version, active_agencies(session, procedure.partnership_id))
        mine = [a for a in waiting if may_sign_for(membership, a)]
        if not mine:
            raise PermissionDenied("You do not sign off for any agency still to sign this version.")
        agency_id = mine[0].id
    agency = agency_of(session, procedure.partnership_id, agency_id)
    if not may_sign_for(membership, agency):
        raise PermissionDenied(
            f"Only the liaison or alternate of {agency.organization.name} signs off for it."
        )
    return record_sign_offs(session, membership, procedure, version, [agency_id], now)[0]


def record_sign_offs(
    session: Session,
    membership: Membership,
    procedure: Procedure,
    version: ProcedureVersion,
    agency_ids: list[int],
    now: datetime,
) -> list[SignOff]:
    """Record the sign-offs of several agencies in one step: each given by one who signs for
    it, or recorded on its behalf by a facilitator (audited as such). The last one needed
    approves the version."""
    _require_in_review(procedure, version)
    if not agency_ids:
        raise DomainError("Choose at least one agency whose sign-off to record.")
    agencies = active_agencies(session, procedure.partnership_id)
    recorded = []
    for agency_id in dict.fromkeys(agency_ids):
        agency = agency_of(session, procedure.partnership_id, agency_id)
        if not may_record_sign_off(membership, agency):
            raise PermissionDenied(
                f"Only the liaison or alternate of {agency.organization.name}, or a facilitator "
                "on its behalf, records its sign-off."
            )
        if agency not in pending_agencies(version, agencies):
            raise Conflict(f"{agency.organization.name} has already signed off this version.")
        recorded.append(_record_sign_off(session, membership, procedure, version, agency, now))
    if not pending_agencies(version, agencies):
        _approve(session, membership, procedure, version, now)
    return recorded


def _require_in_review(procedure: Procedure, version: ProcedureVersion) -> None:
    if procedure.is_retired or version.status is not ProcedureStatus.IN_REVIEW:
        raise InvalidTransition("Only a version in review can be signed off.")


def _record_sign_off(
    session: Session,
    membership: Membership,
    procedure: Procedure,
    version: ProcedureVersion,
    agency: PartnerAgency,
    now: datetime,
) -> SignOff:
    on_behalf = not may_sign_for(membership, agency)
    signature = SignOff(
        partner_agency_id=agency.id, membership_id=membership.id, signed_at=now, on_behalf=on_behalf
    )
    version.sign_offs.append(signature)
    what = f"version {version.number} of “{procedure.title}”"
    name = agency.organization.name
    record(
        session,
        membership.user,
        "procedure.signed_off",
        version,
        f"Sign-off of {what} recorded by {membership.user.name} on behalf of {name}"
        if on_behalf
        else f"{name} signed off {what}",
        now,
        partnership_id=procedure.partnership_id,
        details={"agency_id": agency.id, "on_behalf": on_behalf},
    )
    return signature


def _approve(
    session: Session,
    membership: Membership,
    procedure: Procedure,
    version: ProcedureVersion,
    now: datetime,
) -> None:
    """Put `version` in force; the version it replaces stays on record as superseded."""
    partnership = session.get(Partnership, procedure.partnership_id)
    previous = procedure.effective_version
    if previous is not None:
        previous.status = ProcedureStatus.SUPERSEDED
        previous.superseded_at = now
    version.status = ProcedureStatus.APPROVED
    version.approved_at = now
    version.effective_on = local_today(partnership, now)
    if previous is not None:
        session.add(
            ProcedureReview(
                procedure_id=procedure.id,
                due_on=procedure.next_review_on,
                reviewed_on=version.effective_on,
                by_new_version=True,
            )
        )
    procedure.next_review_on = review_date_after(
        version.effective_on, procedure.review_cadence_months
    )
    record(
        session,
        membership.user,
        "procedure.approved",
        version,
        f"Version {version.number} of “{procedure.title}” approved by every agency; "
        f"in force from {version.effective_on.isoformat()}",
        now,
        partnership_id=procedure.partnership_id,
        details={"superseded": previous.number if previous else None},
    )


def request_changes(
    session: Session,
    membership: Membership,
    procedure: Procedure,
    version: ProcedureVersion,
    comment: str,
    now: datetime,
    *,
    keep_reason: str | None = None,
) -> ChangeRequest:
    """Send a version in review back to draft with a comment; its sign-offs stop counting."""
    require_allowed(membership, permissions.CONTRIBUTE, None, "Observers cannot request changes.")
    if procedure.is_retired or version.status is not ProcedureStatus.IN_REVIEW:
        raise InvalidTransition("Changes can only be requested on a version in review.")
    if not comment.strip():
        raise DomainError("Say what should change.")
    screen(
        session,
        membership.partnership_id,
        [comment],
        keep_reason=keep_reason,
        actor=membership.user,
        now=now,
        what=f"a change request on “{procedure.title}”",
    )
    change = ChangeRequest(membership_id=membership.id, comment=comment.strip(), created_at=now)
    version.change_requests.append(change)
    version.status = ProcedureStatus.DRAFT
    version.returned_at = now
    record(
        session,
        membership.user,
        "procedure.changes_requested",
        version,
        f"Changes requested on version {version.number} of “{procedure.title}”",
        now,
        partnership_id=procedure.partnership_id,
        details={"comment": change.comment, "sign_offs_set_aside": len(version.sign_offs)},
    )
    return change


def record_review(
    session: Session, membership: Membership, procedure: Procedure, now: datetime
) -> date:
    """Record that the procedure in force was reviewed and still holds; the next review moves on."""
    require_allowed(
        membership,
        Action.PROCEDURE_EDIT,
        procedure,
        "Only the owning agency's members and facilitators record its review.",
    )
    if procedure.is_retired or procedure.effective_version is None:
        raise InvalidTransition("Only an approved procedure in force can be reviewed.")
    partnership = session.get(Partnership, procedure.partnership_id)
    today = local_today(partnership, now)
    session.add(
        ProcedureReview(
            procedure_id=procedure.id, due_on=procedure.next_review_on, reviewed_on=today
        )
    )
    procedure.last_reviewed_on = today
    procedure.next_review_on = review_date_after(today, procedure.review_cadence_months)
    record(
        session,
        membership.user,
        "procedure.reviewed",
        procedure,
        f"Reviewed “{procedure.title}”; next review {procedure.next_review_on.isoformat()}",
        now,
        partnership_id=procedure.partnership_id,
    )
    return procedure.next_review_on


def retire_procedure(
    session: Session, membership: Membership, procedure: Procedure, now: datetime
) -> None:
    """Take a procedure out of force; its versions stay on record."""
    require_allowed(
        membership,
        Action.PROCEDURE_EDIT,
        procedure,
        "Only the owning agency's members and facilitators retire this procedure.",
    )
    if procedure.is_retired:
        raise InvalidTransition("This procedure is already retired.")
    for version in procedure.versions:
        if version.status.is_open:
            version.status = ProcedureStatus.SUPERSEDED
            version.superseded_at = now
        elif version.status is ProcedureStatus.APPROVED:
            version.status = ProcedureStatus.RETIRED
    procedure.retired_at = now
    procedure.next_review_on = None
    record(
        session,
        membership.user,
        "procedure.retired",
        procedure,
        f"Retired procedure “{procedure.title}”",
        now,
        partnership_id=procedure.partnership_id,
    )
