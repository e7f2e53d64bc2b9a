"""Agreement rules: status from the data, renewal dates, and every change to an agreement.

Dates are the partnership's: `today` is the date in the partnership's time zone (see
`local_today`), and an agreement's `expires_on` is the first day it is no longer in force.

Status, in order of precedence:
- terminated: `terminated_on` ≤ today (a termination dated ahead leaves it in force until then);
- renewed: a successor agreement was created from it (even while the successor is a draft);
- draft: not yet sent for signature;
- out for signature: some party has not signed;
- signed (not yet effective): every party signed but the effective date is still ahead;
- expired: today ≥ the end of its term; expiring: today ≥ the end of term - notice days;
- active otherwise.
An open-ended agreement (no expiry date) never expires. An agreement whose renewal rule is
*automatic* rolls over into a new term of the same length when a term ends, for as long as
nobody terminates it: it is "expiring" in the notice window before each term's end (the time to
give notice of non-renewal) and never "expired".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import cache
from typing import NamedTuple

import sqlalchemy as sa
from dateutil.relativedelta import relativedelta
from sqlalchemy import and_, exists, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, defer, joinedload, selectinload
from sqlalchemy.sql.functions import FunctionElement

from partnerhub.agreements import clauses, uploads
from partnerhub.agreements.models import (
    Agreement,
    AgreementAmendment,
    AgreementDocument,
    AgreementKind,
    AgreementParty,
    AgreementSignature,
    AgreementStatus,
    RenewalRule,
)
from partnerhub.audit.services import record
from partnerhub.auth.models import User
from partnerhub.db import among, columns_of, read_rows
from partnerhub.errors import DomainError, InvalidTransition
from partnerhub.partnerships.models import Organization, PartnerAgency, Partnership
from partnerhub.partnerships.registry import CheckResult
from partnerhub.partnerships.snapshot import shared
from partnerhub.procedures.models import InformationFlow
from partnerhub.procedures.services import active_agencies, partnership_flows

# Lists show an agreement's title and status, never its text: the purpose and clauses run to
# kilobytes, and a joined load repeats them on every party and signature row (1.8 MB for one
# dashboard at 10x the benchmark's data). Read from the database if ever touched.
WITHOUT_TEXT = tuple(
    defer(getattr(Agreement, name))
    for name in (
        *(clause.attr for clause in clauses.CLAUSES),
        "legal_bases",
        "data_categories",
        "termination_reason",
    )
)
# The loader options status computation needs; lazy loading is off on these relationships.
STATUS_LOAD = (
    selectinload(Agreement.parties).selectinload(AgreementParty.signatures),
    selectinload(Agreement.successor),
)
# The same in one statement, for lists of agreements that only show their status.
STATUS_JOINED = (
    joinedload(Agreement.parties).joinedload(AgreementParty.signatures),
    joinedload(Agreement.successor).load_only(Agreement.id),  # it only tells of a renewal
    *WITHOUT_TEXT,
)

# Reminders before the end of a term, after the notice window opens (days before expiry).
REMINDER_DAYS = (30, 7)


def all_parties_signed(agreement: Agreement) -> bool:
    """True when the agreement has parties and each has a signature on file."""
    return bool(agreement.parties) and all(p.signature for p in agreement.parties)


@dataclass(frozen=True)
class Signing:
    """How far signing has come: parties, parties with a signature on file, and whether a
    successor renewed the agreement. Read from loaded parties or counted in SQL."""

    parties: int
    signed: int
    renewed: bool

    @property
    def complete(self) -> bool:
        return self.parties > 0 and self.signed == self.parties

    @classmethod
    def of(cls, agreement: Agreement) -> Signing:
        """From an agreement loaded with its parties, signatures and successor."""
        return cls(
            parties=len(agreement.parties),
            signed=sum(1 for party in agreement.parties if party.signature),
            renewed=agreement.successor is not None,
        )


def _term_length(agreement: Agreement | PendingAgreement) -> relativedelta:
    """The length of one term: whole months when the dates allow, else days."""
    start = agreement.effective_on or agreement.expires_on - relativedelta(years=1)
    delta = relativedelta(agreement.expires_on, start)
    if delta.days == 0:
        return relativedelta(years=delta.years, months=delta.months)
    return relativedelta(days=(agreement.expires_on - start).days)


def term_end(agreement: Agreement | PendingAgreement, today: date | None = None) -> date | None:
    """The end of the term in force on `today` (the expiry date, or a later automatic one)."""
    end = agreement.expires_on
    if end is None or today is None or agreement.renewal_rule is not RenewalRule.AUTOMATIC:
        return end
    start = agreement.effective_on or end - relativedelta(years=1)
    length = _term_length(agreement)
    terms = 1
    while end <= today:
        terms += 1
        end = start + length * terms
    return end


def agreement_status(
    agreement: Agreement | PendingAgreement, today: date, signing: Signing | None = None
) -> AgreementStatus:
    """Where the agreement stands on `today` (the partnership's date); see the module doc.
    Without `signing`, the agreement's parties, signatures and successor must be loaded."""
    signing = signing or Signing.of(agreement)
    if agreement.terminated_on is not None and agreement.terminated_on <= today:
        return AgreementStatus.TERMINATED
    if signing.renewed:
        return AgreementStatus.RENEWED
    if agreement.sent_for_signature_at is None:
        return AgreementStatus.DRAFT
    if not signing.complete:
        return AgreementStatus.OUT_FOR_SIGNATURE
    if agreement.effective_on is None or today < agreement.effective_on:
        return AgreementStatus.SIGNED
    end = term_end(agreement, today)
    if end is None:
        return AgreementStatus.ACTIVE
    if today >= end:
        return AgreementStatus.EXPIRED
    if today >= end - timedelta(days=agreement.renewal_notice_days):
        return AgreementStatus.EXPIRING
    return AgreementStatus.ACTIVE


def is_in_force(agreement: Agreement, today: date) -> bool:
    """Signed by every party, effective, not ended: a renewed one stays in force to its end."""
    if agreement.sent_for_signature_at is None or not all_parties_signed(agreement):
        return False
    if agreement.terminated_on is not None and agreement.terminated_on <= today:
        return False
    if agreement.effective_on is None or today < agreement.effective_on:
        return False
    end = term_end(agreement, today)
    return end is None or today < end


def renewal_thresholds(agreement: Agreement, today: date | None = None) -> list[tuple[str, date]]:
    """The dates to remind people on, oldest first: the notice window opening, 30 and 7 days
    before expiry (when inside the window) and the expiry itself. For an automatic renewal,
    pass `today` to get the dates of the term in force then. Open-ended: none."""
    end = term_end(agreement, today)
    if end is None:
        return []
    notice_start = end - timedelta(days=agreement.renewal_notice_days)
    thresholds = [("notice", notice_start)] if notice_start < end else []
    for days in REMINDER_DAYS:
        day = end - timedelta(days=days)
        if notice_start < day < end:
            thresholds.append((f"{days}_days", day))
    return [*thresholds, ("expiry", end)]


DUE_STATUSES = (AgreementStatus.EXPIRING, AgreementStatus.EXPIRED)


class days_before(FunctionElement):
    """SQL: the date `days` (an integer expression) before `day` (a date expression)."""

    type = sa.Date()
    name = "days_before"
    inherit_cache = True


@compiles(days_before)
def _days_before(element, compiler, **kw) -> str:
    day, days = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"({day} - {days})"  # PostgreSQL: date - integer is a date


@compiles(days_before, "sqlite")
def _days_before_on_sqlite(element, compiler, **kw) -> str:
    day, days = (compiler.process(clause, **kw) for clause in element.clauses)
    return f"date({day}, '-' || {days} || ' days')"


@cache
def _renewed():
    """Whether the agreement in the row has a successor. Built once: an alias's columns cost
    more to set up than the rest of a query (expressions are immutable, so shared)."""
    successor = Agreement.__table__.alias("successor")
    return exists().where(successor.c.predecessor_id == Agreement.id)


def agreements_due(
    session: Session, today: date, partnership_ids: list[int] | None = None
) -> list[Agreement]:
    """Agreements inside their renewal notice window or expired, neither renewed nor
    terminated, soonest end first. Parties, signatures and successor are loaded.

    The query keeps only agreements in force whose notice window has opened (date arithmetic
    in SQL); an automatic renewal's window recurs every term, so those are kept for the
    term arithmetic here."""
    query = select(Agreement).where(*_live(today), _may_be_due(today)).options(*STATUS_JOINED)
    if partnership_ids is not None:
        query = query.where(Agreement.partnership_id.in_(partnership_ids))
    return _due_among(session.scalars(query).unique(), today)


def _live(today: date | sa.ColumnElement[date]) -> tuple:
    """Sent for signature, neither renewed nor terminated by `today` (a date, or a bound
    parameter for one)."""
    return (
        Agreement.sent_for_signature_at.is_not(None),
        ~_renewed(),
        (Agreement.terminated_on.is_(None)) | (Agreement.terminated_on > today),
    )


def _may_be_due(today: date | sa.ColumnElement[date]):
    """In force with its notice window open, or renewing automatically (its window recurs);
    `today` as in `_live`."""
    window_open = days_before(Agreement.expires_on, Agreement.renewal_notice_days) <= today
    return and_(
        Agreement.expires_on.is_not(None),
        Agreement.effective_on <= today,
        (Agreement.renewal_rule == RenewalRule.AUTOMATIC) | window_open,
    )


def _due_among(agreements, today: date) -> list[Agreement]:
    due = [a for a in agreements if agreement_status(a, today) in DUE_STATUSES]
    return sorted(due, key=lambda a: (term_end(a, today), a.id))


class PendingAgreement(NamedTuple):
    """An agreement as a dashboard lists it: the fields its status and its term read, not
    the object."""

    id: int
    partnership_id: int
    title: str
    sent_for_signature_at: datetime | None
    effective_on: date | None
    expires_on: date | None
    renewal_rule: RenewalRule
    renewal_notice_days: int
    terminated_on: date | None


class UnsignedParty(NamedTuple):
    """A party yet to sign, with its agency's name."""

    id: int
    partner_agency_id: int
    agency_name: str


@dataclass(frozen=True)
class Pending:
    """The partnerships' agreements a dashboard lists: renewals due with their status, and
    signatures awaited as (agreement, party)."""

    due: list[tuple[PendingAgreement, AgreementStatus]]
    unsigned: list[tuple[PendingAgreement, UnsignedParty]]

    def awaited_from(self, agency_ids) -> list[tuple[PendingAgreement, UnsignedParty]]:
        return [row for row in self.unsigned if row[1].partner_agency_id in agency_ids]


def pending(session: Session, partnership_ids, today: date) -> Pending:
    """The renewals due (as `agreements_due`) and the parties yet to sign an agreement out for
    signature and not terminated, of these partnerships, in one statement read once per
    page (the dashboard's attention items and "what's next" share it)."""
    ids = frozenset(partnership_ids)
    return shared(
        session, ("agreements pending", ids, today), lambda: _pending(session, ids, today)
    )


def _pending(session: Session, partnership_ids, today: date) -> Pending:
    """Each agreement beside its parties yet to sign (if any) and its signatures counted in
    SQL: the status needs the counts, not every party with its signatures. Plain rows: as
    objects, an agreement, a party and an agency took longer to load than to read."""
    rows = read_rows(
        session, _pending_statement(), {"partnership_ids": list(partnership_ids), "today": today}
    )
    agreements: dict[int, PendingAgreement] = {}
    due: dict[int, tuple[PendingAgreement, AgreementStatus]] = {}
    unsigned = []
    for row in rows:
        agreement = agreements.get(row[0])
        if agreement is None:
            agreement = agreements[row[0]] = PendingAgreement._make(row[:_PARTY])
        if row[_PARTY] is not None:
            unsigned.append((agreement, UnsignedParty._make(row[_PARTY:_SIGNING])))
        status = agreement_status(agreement, today, Signing(*row[_SIGNING:]))
        if status in DUE_STATUSES:
            due[agreement.id] = (agreement, status)
    soonest_first = sorted(due.values(), key=lambda row: (term_end(row[0], today), row[0].id))
    return Pending(soonest_first, unsigned)


# where a row of `_pending_statement` turns from the agreement to the party, and to the counts
_PARTY = len(PendingAgreement._fields)
_SIGNING = _PARTY + len(UnsignedParty._fields)


@cache
def _pending_statement() -> sa.Select:
    # built once, the day bound at each run: its subqueries took longer to set up than to run
    today = sa.bindparam("today", type_=sa.Date)
    unsigned_party = and_(
        AgreementParty.agreement_id == Agreement.id,
        Agreement.terminated_on.is_(None),
        ~_on_file(),
    )
    return (
        select(
            *columns_of(Agreement, PendingAgreement),
            AgreementParty.id,
            AgreementParty.partner_agency_id,
            Organization.name,
            *_signing_columns(),
        )
        .select_from(Agreement)
        .outerjoin(AgreementParty, unsigned_party)
        .outerjoin(PartnerAgency, PartnerAgency.id == AgreementParty.partner_agency_id)
        .outerjoin(Organization, Organization.id == PartnerAgency.organization_id)
        .where(
            among(Agreement.partnership_id, "partnership_ids"),
            *_live(today),
            _may_be_due(today) | AgreementParty.id.is_not(None),
        )
        .order_by(Agreement.sent_for_signature_at, Agreement.id, AgreementParty.id)
    )


# --- reading ------------------------------------------------------------------------------

# One agreement's page: parties with their agencies, then their signatures (with who
# recorded them, joined), documents and flows take a query each; predecessor and successor
# come joined to the agreement's row. A flow shows who sends what to whom, so its governing
# procedure is not joined in (planning that many joins costs more than running them).
DETAIL_LOAD = (
    selectinload(Agreement.parties).options(
        joinedload(AgreementParty.partner_agency), selectinload(AgreementParty.signatures)
    ),
    joinedload(Agreement.successor),
    joinedload(Agreement.predecessor),
    selectinload(Agreement.documents),
    selectinload(Agreement.flows).lazyload(InformationFlow.procedure),
    selectinload(Agreement.amendments).options(
        joinedload(AgreementAmendment.partner_agency),
        selectinload(AgreementAmendment.flows).lazyload(InformationFlow.procedure),
    ),
)

# The list shows what needs doing first: renewals coming up, then signatures awaited.
LIST_ORDER = (
    AgreementStatus.EXPIRING,
    AgreementStatus.EXPIRED,
    AgreementStatus.OUT_FOR_SIGNATURE,
    AgreementStatus.SIGNED,
    AgreementStatus.ACTIVE,
    AgreementStatus.DRAFT,
    AgreementStatus.RENEWED,
    AgreementStatus.TERMINATED,
)


def get_agreement(session: Session, partnership_id: int, agreement_id: int) -> Agreement | None:
    """The partnership's agreement with its parties, signatures and documents, or None."""
    parameters = {"agreement_id": agreement_id, "partnership_id": partnership_id}
    return session.scalars(_agreement_in_detail(), parameters).one_or_none()


@cache
def _agreement_in_detail() -> sa.Select:
    # built once: building it, its loading options and their keys in SQLAlchemy's cache took
    # longer than running it and its loads
    return (
        select(Agreement)
        .where(
            Agreement.id == sa.bindparam("agreement_id"),
            Agreement.partnership_id == sa.bindparam("partnership_id"),
        )
        .options(*DETAIL_LOAD)
        .execution_options(populate_existing=True)
    )


@dataclass(frozen=True)
class AgreementRow:
    """An agreement as the list shows it: its status and how far signing has come."""

    agreement: Agreement
    status: AgreementStatus
    signing: Signing


def _on_file():
    """Whether the party in the row has a signature on file (one not withdrawn)."""
    return exists().where(
        AgreementSignature.party_id == AgreementParty.id,
        AgreementSignature.withdrawn_at.is_(None),
    )


def _signing_columns():
    """Parties, signed parties and renewal of the agreement in the row, as SQL expressions."""
    on_file = _on_file()
    parties = (
        select(func.count(AgreementParty.id))
        .where(AgreementParty.agreement_id == Agreement.id)
        .correlate_except(AgreementParty)  # counted afresh beside a party already in the row
    )
    return (
        parties.scalar_subquery(),
        parties.where(on_file).scalar_subquery(),
        _renewed(),
    )


def agreement_rows(session: Session, partnership_id: int, today: date) -> list[AgreementRow]:
    """Every agreement of the partnership with its status, the most pressing first, in one
    query: signatures are counted in SQL, never loaded."""
    rows = session.execute(_agreement_rows(), {"partnership_id": partnership_id})
    listed = []
    for agreement, parties, signed, renewed in rows:
        signing = Signing(parties, signed, renewed)
        listed.append(AgreementRow(agreement, agreement_status(agreement, today, signing), signing))
    return sorted(
        listed,
        key=lambda row: (
            LIST_ORDER.index(row.status),
            term_end(row.agreement, today) or date.max,
            row.agreement.title.lower(),
        ),
    )


@cache
def _agreement_rows() -> sa.Select:
    return (
        select(Agreement, *_signing_columns())
        .where(Agreement.partnership_id == sa.bindparam("partnership_id"))
        .options(*WITHOUT_TEXT)
    )


def partnership_agreements(
    session: Session, partnership_id: int, today: date
) -> list[tuple[Agreement, AgreementStatus]]:
    """Every agreement of the partnership with its status, the most pressing first."""
    return [(row.agreement, row.status) for row in agreement_rows(session, partnership_id, today)]


def most_pressing_first(agreements, today: date) -> list[tuple[Agreement, AgreementStatus]]:
    """(agreement, status) pairs in the list's order: what needs doing first."""
    rows = [(a, agreement_status(a, today)) for a in agreements]
    return sorted(
        rows,
        key=lambda row: (
            LIST_ORDER.index(row[1]),
            term_end(row[0], today) or date.max,
            row[0].title.lower(),
        ),
    )


def agreements_with_status(session: Session, partnership_id: int) -> list[Agreement]:
    """The partnership's agreements, newest first, with what their status needs, in one
    statement; read once per page when the page shares its reads."""
    return [row.agreement for row in _signing(session, partnership_id)]


@dataclass
class _Signing:
    agreement: Agreement
    signed_by_present: int  # agencies at the table now whose signature is on file
    present: int  # agencies at the table now


def _signing(session: Session, partnership_id: int) -> list[_Signing]:
    """Each agreement with how many of the agencies now at the table signed it."""
    return shared(
        session, ("agreements", partnership_id), lambda: _load_signing(session, partnership_id)
    )


def _load_signing(session: Session, partnership_id: int) -> list[_Signing]:
    rows = session.execute(_signing_statement(), {"partnership_id": partnership_id})
    return [_Signing(*row) for row in rows.unique()]


@cache
def _signing_statement() -> sa.Select:
    # Built once, bound at each run: its three subqueries cost more to set up than to run.
    # The signed parties are counted beside every party and signature row the status joins.
    # Joined to the agencies and signatures, PostgreSQL scanned every signature and agency of
    # the site for each row (11 ms at 100x the benchmark's data); a party among the agencies
    # at the table (read once) with a signature on file is looked up by its keys (0.9 ms).
    at_the_table = select(PartnerAgency.id).where(
        PartnerAgency.partnership_id == sa.bindparam("partnership_id"),
        PartnerAgency.left_on.is_(None),
    )
    present = select(func.count()).select_from(at_the_table.subquery()).scalar_subquery()
    signed = (
        select(func.count(AgreementParty.id))
        .where(
            AgreementParty.agreement_id == Agreement.id,
            AgreementParty.partner_agency_id.in_(at_the_table),
            _on_file(),
        )
        .correlate(Agreement)
        .scalar_subquery()
    )
    return (
        select(Agreement, signed, present)
        .where(Agreement.partnership_id == sa.bindparam("partnership_id"))
        .options(*STATUS_JOINED)
        .order_by(Agreement.id.desc())
    )


# --- the Plan -> Act gate -----------------------------------------------------------------


def agreement_gate(session: Session, partnership: Partnership, today: date) -> CheckResult:
    """Done when an agreement in force is signed by every agency now at the table."""
    rows = _signing(session, partnership.id)
    needed = rows[0].present if rows else len(active_agencies(session, partnership.id))
    if not needed:
        return CheckResult(False, "No partner agencies yet.")
    best: tuple[int, Agreement] | None = None
    for row in rows:
        agreement, count = row.agreement, row.signed_by_present
        if agreement.sent_for_signature_at is None:
            continue
        if count == needed and is_in_force(agreement, today):
            return CheckResult(True, f"“{agreement.title}” is signed by every partner agency.")
        if best is None or count > best[0]:
            best = (count, agreement)
    if best is None:
        return CheckResult(False, "No agreement has been sent for signature yet.")
    count, agreement = best
    return CheckResult(
        False,
        f"“{agreement.title}”: {count} of {needed} partner agencies signed"
        + ("" if count < needed else ", not in force today")
        + ".",
    )


# --- changing agreements ------------------------------------------------------------------


@dataclass
class Terms:
    """What a draft says; locked once it is sent for signature."""

    title: str
    kind: AgreementKind
    purpose: str = ""
    party_agency_ids: list[int] = field(default_factory=list)
    flow_ids: list[int] = field(default_factory=list)
    legal_bases: list[str] = field(default_factory=list)
    data_categories: list[str] = field(default_factory=list)
    effective_on: date | None = None
    expires_on: date | None = None
    renewal_notice_days: int = 90
    renewal_rule: RenewalRule = RenewalRule.NONE
    review_on: date | None = None  # None: a year after the effective date

    @classmethod
    def of(cls, agreement: Agreement) -> Terms:
        """The terms an agreement says now (a renewal starts from them)."""
        return cls(
            title=agreement.title,
            kind=agreement.kind,
            purpose=agreement.purpose,
            party_agency_ids=[p.partner_agency_id for p in agreement.parties],
            flow_ids=[f.id for f in agreement.flows],
            legal_bases=list(agreement.legal_bases),
            data_categories=list(agreement.data_categories),
            effective_on=agreement.effective_on,
            expires_on=agreement.expires_on,
            renewal_notice_days=agreement.renewal_notice_days,
            renewal_rule=agreement.renewal_rule,
            review_on=agreement.review_on,
        )


TERM_FIELDS = (
    "title",
    "kind",
    "purpose",
    "legal_bases",
    "data_categories",
    "effective_on",
    "expires_on",
    "renewal_notice_days",
    "renewal_rule",
    "review_on",
)

# The annual review: a year after the effective date, then a year after each review held.
REVIEW_INTERVAL = relativedelta(years=1)


def _apply_terms(session: Session, agreement: Agreement, terms: Terms) -> None:
    if terms.expires_on and terms.effective_on and terms.expires_on <= terms.effective_on:
        raise DomainError("The expiry date must come after the effective date.")
    if terms.review_on and terms.effective_on and terms.review_on <= terms.effective_on:
        raise DomainError("The annual review date must come after the effective date.")
    if terms.review_on is None and terms.effective_on is not None:
        terms.review_on = terms.effective_on + REVIEW_INTERVAL
    allowed = {a.id for a in active_agencies(session, agreement.partnership_id)}
    wanted = set(terms.party_agency_ids)
    if not wanted <= allowed:
        raise DomainError("Parties must be agencies at this partnership's table.")
    flows = {f.id: f for f in partnership_flows(session, agreement.partnership_id)}
    if not set(terms.flow_ids) <= flows.keys():
        raise DomainError("Covered flows must be rows of this partnership's sharing matrix.")
    for name in TERM_FIELDS:
        setattr(agreement, name, getattr(terms, name))
    agreement.flows = [flows[i] for i in sorted(set(terms.flow_ids))]
    for party in list(agreement.parties):
        if party.partner_agency_id not in wanted:
            agreement.parties.remove(party)
    present = {p.partner_agency_id for p in agreement.parties}
    for agency_id in sorted(wanted - present):
        agreement.parties.append(AgreementParty(partner_agency_id=agency_id, signatures=[]))


def _record(session, actor, action, agreement, summary, now, **details) -> None:
    record(
        session,
        actor,
        action,
        agreement,
        summary,
        now,
        partnership_id=agreement.partnership_id,
        details=details,
    )


def create_agreement(
    session: Session, actor: User, partnership_id: int, terms: Terms, now: datetime
) -> Agreement:
    """Start a draft agreement."""
    agreement = Agreement(
        partnership_id=partnership_id, created_by_id=actor.id, parties=[], documents=[], flows=[]
    )
    _apply_terms(session, agreement, terms)
    for clause in clauses.CLAUSES[1:]:
        setattr(agreement, clause.attr, clause.default)
    agreement.flows_clause = clauses.flows_text(agreement.flows)
    if clauses.carries_part2(agreement.flows):
        agreement.redisclosure_clause = clauses.with_part2_notice(agreement.redisclosure_clause)
    session.add(agreement)
    _record(session, actor, "agreement.created", agreement, f"Drafted “{terms.title}”.", now)
    return agreement


def update_terms(
    session: Session, actor: User, agreement: Agreement, terms: Terms, now: datetime
) -> None:
    """Change a draft's terms; a sent agreement's terms are locked."""
    if agreement.sent_for_signature_at is not None:
        raise InvalidTransition(
            "The terms are locked once the agreement is sent for signature. "
            "Renew it to draft new terms."
        )
    _apply_terms(session, agreement, terms)
    _record(session, actor, "agreement.edited", agreement, f"Edited “{terms.title}”.", now)


def delete_draft(session: Session, actor: User, agreement: Agreement, now: datetime) -> None:
    """Discard a draft that was never sent."""
    if agreement.sent_for_signature_at is not None:
        raise InvalidTransition("Only a draft can be discarded; terminate a sent agreement.")
    _record(
        session, actor, "agreement.discarded", agreement, f"Discarded “{agreement.title}”.", now
    )
    session.delete(agreement)


def send_for_signature(session: Session, actor: User, agreement: Agreement, now: datetime) -> None:
    """Lock the terms and ask every party to sign."""
    if agreement.sent_for_signature_at is not None:
        raise InvalidTransition("This agreement was already sent for signature.")
    missing = [
        label
        for label, ok in (
            ("an effective date", agreement.effective_on is not None),
            ("at least one party", bool(agreement.parties)),
        )
        if not ok
    ]
    if missing:
        raise DomainError(f"Before sending it for signature, give it {' and '.join(missing)}.")
    if gaps := clauses.missing(agreement):
        raise DomainError(
            "Before sending it for signature, complete its clauses: " + "; ".join(gaps) + "."
        )
    agreement.sent_for_signature_at = now
    _record(
        session, actor, "agreement.sent", agreement, f"Sent “{agreement.title}” for signature.", now
    )


SIGNABLE = (
    AgreementStatus.OUT_FOR_SIGNATURE,
    AgreementStatus.SIGNED,
    AgreementStatus.ACTIVE,
    AgreementStatus.EXPIRING,
)


def record_signature(
    session: Session,
    actor: User,
    party: AgreementParty,
    *,
    signer_name: str,
    signer_title: str,
    signed_on: date,
    correction: str = "",
    on_behalf: bool = False,
    today: date,
    now: datetime,
) -> AgreementSignature:
    """Record a party's signature. A party that signed already keeps that record, withdrawn,
    and the new one replaces it: `correction` says why. `on_behalf`: the actor does not sign
    for the party (a facilitator recording it), and the activity log says so."""
    agreement = party.agreement
    if agreement_status(agreement, today) not in SIGNABLE:
        raise InvalidTransition("Signatures can be recorded only once it is sent for signature.")
    if signed_on > today:
        raise DomainError("The signature date cannot be in the future.")
    previous = party.signature
    if previous is not None:
        if not correction.strip():
            raise DomainError("This agency has signed already: say what the new record corrects.")
        _withdraw(previous, actor, f"Corrected: {correction.strip()}", now)
    signature = AgreementSignature(
        signer_name=signer_name.strip(),
        signer_title=signer_title.strip(),
        signed_on=signed_on,
        recorded_by_id=actor.id,
        recorded_at=now,
    )
    party.signatures.append(signature)
    agency = party.partner_agency.organization.name
    _record(
        session,
        actor,
        "agreement.signature_corrected" if previous else "agreement.signed",
        agreement,
        f"Recorded {signer_name} ({signer_title}) signing “{agreement.title}” for {agency}"
        f" on {signed_on.isoformat()}"
        + (f", recorded by {actor.name} on behalf of {agency}." if on_behalf else "."),
        now,
        party_id=party.id,
        replaces=previous.id if previous else None,
        on_behalf=on_behalf,
    )
    return signature


@dataclass(frozen=True)
class SignatureEntry:
    """One party's signature in a batch: who signed for it."""

    party: AgreementParty
    signer_name: str
    signer_title: str
    on_behalf: bool


def record_signatures(
    session: Session,
    actor: User,
    entries: list[SignatureEntry],
    *,
    signed_on: date,
    today: date,
    now: datetime,
) -> list[AgreementSignature]:
    """Record several parties' signatures, all signed on one date, in one step."""
    if not entries:
        raise DomainError("Choose at least one agency whose signature to record.")
    for entry in entries:
        if entry.party.signature is not None:
            name = entry.party.partner_agency.organization.name
            raise DomainError(f"{name} has signed already: correct its signature on its own.")
    return [
        record_signature(
            session,
            actor,
            entry.party,
            signer_name=entry.signer_name,
            signer_title=entry.signer_title,
            signed_on=signed_on,
            on_behalf=entry.on_behalf,
            today=today,
            now=now,
        )
        for entry in entries
    ]


def _withdraw(signature: AgreementSignature, actor: User, reason: str, now: datetime) -> None:
    signature.withdrawn_at = now
    signature.withdrawn_by_id = actor.id
    signature.withdrawal_reason = reason


def withdraw_signature(
    session: Session, actor: User, party: AgreementParty, reason: str, today: date, now: datetime
) -> None:
    """Withdraw a party's signature recorded in error; the record stays, marked withdrawn."""
    signature = party.signature
    if signature is None:
        raise InvalidTransition("This agency has no signature on file.")
    if agreement_status(party.agreement, today) not in SIGNABLE:
        raise InvalidTransition("Signatures of an ended agreement stay as they are.")
    if not reason.strip():
        raise DomainError("Say why the signature is withdrawn.")
    _withdraw(signature, actor, reason.strip(), now)
    _record(
        session,
        actor,
        "agreement.signature_withdrawn",
        party.agreement,
        f"Withdrew the signature of {signature.signer_name} on “{party.agreement.title}”.",
        now,
        party_id=party.id,
        signature_id=signature.id,
        reason=reason.strip(),
    )


def terminate(
    session: Session,
    actor: User,
    agreement: Agreement,
    terminated_on: date,
    reason: str,
    today: date,
    now: datetime,
) -> None:
    """End a sent agreement on a date (today, past or ahead) for a recorded reason."""
    status = agreement_status(agreement, today)
    if status in (AgreementStatus.DRAFT, AgreementStatus.TERMINATED, AgreementStatus.RENEWED):
        raise InvalidTransition(f"A {status.label.lower()} agreement cannot be terminated.")
    if not reason.strip():
        raise DomainError("Give the reason for terminating it.")
    if agreement.effective_on and terminated_on < agreement.effective_on:
        raise DomainError("The termination date cannot come before the effective date.")
    agreement.terminated_on = terminated_on
    agreement.termination_reason = reason.strip()
    _record(
        session,
        actor,
        "agreement.terminated",
        agreement,
        f"Terminated “{agreement.title}” as of {terminated_on.isoformat()}.",
        now,
        reason=reason.strip(),
    )


RENEWABLE = (
    AgreementStatus.SIGNED,
    AgreementStatus.ACTIVE,
    AgreementStatus.EXPIRING,
    AgreementStatus.EXPIRED,
)


def renew(
    session: Session, actor: User, agreement: Agreement, today: date, now: datetime
) -> Agreement:
    """Draft the successor: same parties (those still at the table) and terms, for the next
    term starting when this one ends."""
    status = agreement_status(agreement, today)
    if status not in RENEWABLE:
        raise InvalidTransition(f"A {status.label.lower()} agreement cannot be renewed.")
    terms = Terms.of(agreement)
    active = {a.id for a in active_agencies(session, agreement.partnership_id)}
    terms.party_agency_ids = [i for i in terms.party_agency_ids if i in active]
    end = term_end(agreement, today)
    if end is not None:
        terms.effective_on = end
        terms.expires_on = end + _term_length(agreement)
    else:
        terms.effective_on, terms.expires_on = None, None
    terms.review_on = None
    successor = create_agreement(session, actor, agreement.partnership_id, terms, now)
    for clause in clauses.CLAUSES:
        setattr(successor, clause.attr, getattr(agreement, clause.attr))
    successor.predecessor = agreement
    _record(
        session,
        actor,
        "agreement.renewed",
        agreement,
        f"Drafted the renewal of “{agreement.title}”.",
        now,
        successor_id=successor.id,
    )
    return successor


# --- signed documents -------------------------------------------------------------------


def attach_document(
    session: Session,
    actor: User,
    agreement: Agreement,
    filename: str,
    data: bytes,
    *,
    upload_root: str,
    max_bytes: int,
    now: datetime,
) -> AgreementDocument:
    """Keep a signed copy of the agreement (PDF or DOCX, checked by content)."""
    stored = uploads.store(upload_root, filename, data, max_bytes)
    document = AgreementDocument(
        original_name=stored.original_name,
        stored_name=stored.stored_name,
        content_type=stored.content_type,
        size=stored.size,
        sha256=stored.sha256,
        uploaded_by_id=actor.id,
        uploaded_at=now,
    )
    agreement.documents.append(document)
    _record(
        session,
        actor,
        "agreement.document_attached",
        agreement,
        f"Attached “{stored.original_name}” to “{agreement.title}”.",
        now,
        sha256=stored.sha256,
    )
    return document


def delete_document(
    session: Session,
    actor: User,
    agreement: Agreement,
    document: AgreementDocument,
    *,
    upload_root: str,
    now: datetime,
) -> None:
    """Delete a document's file; its record stays, marked deleted, and the deletion is audited."""
    if document.deleted_at is not None:
        raise InvalidTransition("That document was deleted already.")
    document.deleted_at = now
    document.deleted_by_id = actor.id
    _record(
        session,
        actor,
        "agreement.document_deleted",
        agreement,
        f"Deleted “{document.original_name}” from “{agreement.title}”.",
        now,
        document_id=document.id,
        sha256=document.sha256,
    )
    uploads.remove(upload_root, document.stored_name)


# --- clauses ------------------------------------------------------------------------------


def _require_draft(agreement: Agreement) -> None:
    if agreement.sent_for_signature_at is not None:
        raise InvalidTransition(
            "The clauses are locked once the agreement is sent for signature. "
            "Renew it to draft new clauses, or add a party by amendment."
        )


def update_clauses(
    session: Session, actor: User, agreement: Agreement, texts: dict[str, str], now: datetime
) -> None:
    """Rewrite a draft's clauses (`texts` maps a clause's attribute to its new text)."""
    _require_draft(agreement)
    unknown = texts.keys() - clauses.BY_ATTR.keys()
    if unknown:
        raise DomainError(f"An agreement has no clause called {', '.join(sorted(unknown))}.")
    changed = []
    for attr, text in texts.items():
        text = text.strip()
        if text != (getattr(agreement, attr) or ""):
            setattr(agreement, attr, text)
            changed.append(clauses.BY_ATTR[attr].heading)
    _record(
        session,
        actor,
        "agreement.clauses_edited",
        agreement,
        f"Edited the clauses of “{agreement.title}”"
        + (f": {', '.join(changed)}." if changed else " (no change)."),
        now,
        changed=changed,
    )


def draft_from_matrix(
    session: Session, actor: User, agreement: Agreement, flow_ids: list[int], now: datetime
) -> None:
    """Cover the chosen flows of the sharing matrix and write the flows clause from them; a
    flow carrying Part 2 records adds 42 CFR 2.32's notice to the re-disclosure clause."""
    _require_draft(agreement)
    flows = {f.id: f for f in partnership_flows(session, agreement.partnership_id)}
    if not flow_ids:
        raise DomainError("Choose at least one flow of the sharing matrix for it to cover.")
    if not set(flow_ids) <= flows.keys():
        raise DomainError("Covered flows must be rows of this partnership's sharing matrix.")
    agreement.flows = [flows[i] for i in sorted(set(flow_ids))]
    agreement.flows_clause = clauses.flows_text(agreement.flows)
    if clauses.carries_part2(agreement.flows):
        agreement.redisclosure_clause = clauses.with_part2_notice(agreement.redisclosure_clause)
    _record(
        session,
        actor,
        "agreement.drafted_from_matrix",
        agreement,
        f"Drafted the flows of “{agreement.title}” from {len(agreement.flows)} rows of the "
        "sharing matrix.",
        now,
        flow_ids=[f.id for f in agreement.flows],
    )


# --- the annual review --------------------------------------------------------------------

# Reminders before the review date (days before), then on the date itself.
REVIEW_REMINDER_DAYS = 30


def review_thresholds(agreement: Agreement) -> list[tuple[str, date]]:
    """The dates to remind people of the annual review on: 30 days before, and the day."""
    if agreement.review_on is None:
        return []
    return [
        ("review_30_days", agreement.review_on - timedelta(days=REVIEW_REMINDER_DAYS)),
        ("review_due", agreement.review_on),
    ]


def review_due(agreement: Agreement, today: date) -> bool:
    """In force, not renewed, and its review date is 30 days off or past; a review falling
    on or after the end of the term is held as the renewal, so it is not reminded apart."""
    if agreement.review_on is None or agreement.successor is not None:
        return False
    if not is_in_force(agreement, today):
        return False
    end = term_end(agreement, today)
    if end is not None and agreement.review_on >= end:
        return False
    return today >= agreement.review_on - timedelta(days=REVIEW_REMINDER_DAYS)


def agreements_review_due(
    session: Session, today: date, partnership_ids: list[int] | None = None
) -> list[Agreement]:
    """Agreements in force whose annual review is due within 30 days or overdue, soonest
    first; parties, signatures and successor are loaded."""
    query = (
        select(Agreement)
        .where(
            Agreement.sent_for_signature_at.is_not(None),
            Agreement.review_on <= today + timedelta(days=REVIEW_REMINDER_DAYS),
            Agreement.effective_on <= today,
            ~_renewed(),
            (Agreement.terminated_on.is_(None)) | (Agreement.terminated_on > today),
        )
        .options(*STATUS_JOINED)
        .order_by(Agreement.review_on, Agreement.id)
    )
    if partnership_ids is not None:
        query = query.where(Agreement.partnership_id.in_(partnership_ids))
    return [a for a in session.scalars(query).unique() if review_due(a, today)]


def record_review(
    session: Session,
    actor: User,
    agreement: Agreement,
    reviewed_on: date,
    today: date,
    now: datetime,
) -> None:
    """Record that the parties held the annual review; the next is due a year later."""
    if not is_in_force(agreement, today):
        raise InvalidTransition("Only an agreement in force is reviewed; renew or redraft it.")
    if reviewed_on > today:
        raise DomainError("The review date cannot be in the future.")
    if agreement.effective_on and reviewed_on < agreement.effective_on:
        raise DomainError("The review date cannot come before the effective date.")
    agreement.last_reviewed_on = reviewed_on
    agreement.review_on = reviewed_on + REVIEW_INTERVAL
    _record(
        session,
        actor,
        "agreement.reviewed",
        agreement,
        f"Recorded the annual review of “{agreement.title}” held on {reviewed_on.isoformat()}; "
        f"the next is due by {agreement.review_on.isoformat()}.",
        now,
    )


# --- amendments: an agency joining a signed agreement ---------------------------------------

AMENDABLE = (AgreementStatus.SIGNED, AgreementStatus.ACTIVE, AgreementStatus.EXPIRING)


def joinable_agencies(session: Session, agreement: Agreement) -> list[PartnerAgency]:
    """Agencies at the table that are neither parties nor already joining by an amendment."""
    taken = {p.partner_agency_id for p in agreement.parties}
    taken |= {a.partner_agency_id for a in agreement.amendments}
    return [a for a in active_agencies(session, agreement.partnership_id) if a.id not in taken]


def amendment_text(agreement: Agreement, agency_name: str, flows: list[InformationFlow]) -> str:
    """The default wording of an amendment adding `agency_name` (and flows); flows carrying
    Part 2 records bring 42 CFR 2.32's notice when the agreement does not quote it yet."""
    text = (
        f"{agency_name} joins this agreement as a party from the day this amendment takes "
        "effect, on all of its terms and for the rest of its term, which this amendment does "
        "not change."
    )
    if flows:
        text += " The agreement also covers these flows of the sharing matrix:\n" + "\n".join(
            f"- {clauses.flow_sentence(flow)}" for flow in flows
        )
    if clauses.carries_part2(flows) and not clauses.has_part2_notice(agreement.redisclosure_clause):
        text += "\n" + clauses.PART2_PARAGRAPH
    return text


def propose_amendment(
    session: Session,
    actor: User,
    agreement: Agreement,
    partner_agency_id: int,
    flow_ids: list[int],
    text: str,
    today: date,
    now: datetime,
) -> AgreementAmendment:
    """Draft an amendment by which an agency joins the signed agreement."""
    status = agreement_status(agreement, today)
    if status not in AMENDABLE:
        raise InvalidTransition(
            f"A {status.label.lower()} agreement cannot be amended: only a signed agreement "
            "in force takes new parties. Add the agency to the draft, or to its renewal."
        )
    agency = next(
        (a for a in joinable_agencies(session, agreement) if a.id == partner_agency_id), None
    )
    if agency is None:
        raise DomainError(
            "Choose an agency at the table that is not a party yet and has no amendment pending."
        )
    flows = {f.id: f for f in partnership_flows(session, agreement.partnership_id)}
    covered = {f.id for f in agreement.flows}
    if not set(flow_ids) <= flows.keys() - covered:
        raise DomainError("Added flows must be rows of the sharing matrix it does not cover yet.")
    added = [flows[i] for i in sorted(set(flow_ids))]
    amendment = AgreementAmendment(
        number=len(agreement.amendments) + 1,
        partner_agency_id=agency.id,
        text=text.strip() or amendment_text(agreement, agency.organization.name, added),
        created_by_id=actor.id,
        created_at=now,
        flows=added,
    )
    agreement.amendments.append(amendment)
    _record(
        session,
        actor,
        "agreement.amendment_proposed",
        agreement,
        f"Drafted amendment {amendment.number} to “{agreement.title}”: "
        f"{agency.organization.name} joins.",
        now,
        partner_agency_id=agency.id,
        flow_ids=[f.id for f in added],
    )
    return amendment


def _require_pending(amendment: AgreementAmendment, today: date) -> None:
    if amendment.in_effect_on is not None:
        raise InvalidTransition("This amendment is in effect already.")
    status = agreement_status(amendment.agreement, today)
    if status not in AMENDABLE:
        raise InvalidTransition(
            f"The agreement is {status.label.lower()} now: its amendments can no longer be signed."
        )


def sign_amendment(
    session: Session,
    actor: User,
    amendment: AgreementAmendment,
    *,
    signer_name: str,
    signer_title: str,
    signed_on: date,
    today: date,
    now: datetime,
) -> None:
    """Record the joining agency's signature of the amendment."""
    _require_pending(amendment, today)
    if amendment.signed_on is not None:
        raise InvalidTransition("The joining agency has signed this amendment already.")
    if signed_on > today:
        raise DomainError("The signature date cannot be in the future.")
    amendment.signer_name = signer_name.strip()
    amendment.signer_title = signer_title.strip()
    amendment.signed_on = signed_on
    amendment.signature_recorded_by_id = actor.id
    agency = amendment.partner_agency.organization.name
    _record(
        session,
        actor,
        "agreement.amendment_signed",
        amendment.agreement,
        f"Recorded {amendment.signer_name} ({amendment.signer_title}) signing amendment "
        f"{amendment.number} to “{amendment.agreement.title}” for {agency}.",
        now,
        amendment_id=amendment.id,
    )
    _take_effect_when_complete(session, amendment, now)


def accept_amendment(
    session: Session, actor: User, amendment: AgreementAmendment, today: date, now: datetime
) -> None:
    """A facilitator accepts the amendment for the partnership (the parties agreed to it in
    the agreement's amendment clause)."""
    _require_pending(amendment, today)
    if amendment.accepted_on is not None:
        raise InvalidTransition("This amendment was accepted already.")
    amendment.accepted_on = today
    amendment.accepted_by_id = actor.id
    _record(
        session,
        actor,
        "agreement.amendment_accepted",
        amendment.agreement,
        f"Accepted amendment {amendment.number} to “{amendment.agreement.title}” for the "
        "partnership.",
        now,
        amendment_id=amendment.id,
    )
    _take_effect_when_complete(session, amendment, now)


def _take_effect_when_complete(
    session: Session, amendment: AgreementAmendment, now: datetime
) -> None:
    """Signed and accepted: the agency becomes a party, with its signature on file, and the
    flows it brings are covered."""
    if amendment.in_effect_on is None:
        return
    session.flush()  # the amendment's id, which the new party points at
    agreement = amendment.agreement
    agreement.parties.append(
        AgreementParty(
            partner_agency_id=amendment.partner_agency_id,
            amendment_id=amendment.id,
            signatures=[
                AgreementSignature(
                    signer_name=amendment.signer_name,
                    signer_title=amendment.signer_title,
                    signed_on=amendment.signed_on,
                    recorded_by_id=amendment.signature_recorded_by_id,
                    recorded_at=now,
                )
            ],
        )
    )
    covered = {f.id for f in agreement.flows}
    agreement.flows = [*agreement.flows, *(f for f in amendment.flows if f.id not in covered)]
