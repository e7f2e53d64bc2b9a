"""The Plan stage's documents: the information-sharing matrix and the versioned procedures."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from partnerhub.auth.models import User
from partnerhub.db import Base, Timestamped, enum_type, utcnow
from partnerhub.partnerships.models import Membership, PartnerAgency, Sector


class Framework(enum.Enum):
    """A body of law (or the partnership's own rules) that guidance and training cover."""

    FERPA = "ferpa"
    HIPAA = "hipaa"
    PART2 = "part2"
    STATE_CODE = "state_code"
    PROCEDURES = "procedures"

    @property
    def label(self) -> str:
        return {
            Framework.FERPA: "FERPA",
            Framework.HIPAA: "HIPAA",
            Framework.PART2: "42 CFR Part 2",
            Framework.STATE_CODE: "State code",
            Framework.PROCEDURES: "The partnership's procedures",
        }[self]


class LegalBasis(enum.Enum):
    """The law that lets information flow from one agency to another."""

    FERPA_CONSENT = "ferpa_consent"
    FERPA_HEALTH_SAFETY_EMERGENCY = "ferpa_health_safety_emergency"
    FERPA_JUVENILE_JUSTICE = "ferpa_juvenile_justice"
    LAW_ENFORCEMENT_UNIT_RECORD = "law_enforcement_unit_record"
    HIPAA_AUTHORIZATION = "hipaa_authorization"
    HIPAA_TPO = "hipaa_tpo"
    PART2_CONSENT = "part2_consent"
    STATE_STATUTE = "state_statute"
    OTHER = "other"

    @property
    def label(self) -> str:
        return LEGAL_BASIS_LABELS[self]

    @property
    def needs_consent(self) -> bool:
        """A signed consent or authorization is what makes the disclosure lawful."""
        return self in CONSENT_BASES

    @property
    def needs_certification(self) -> bool:
        """FERPA's juvenile-justice exception needs a written no-redisclosure certification."""
        return self is LegalBasis.FERPA_JUVENILE_JUSTICE

    @property
    def needs_consent_or_certification(self) -> bool:
        return self.needs_consent or self.needs_certification

    @property
    def needs_citation(self) -> bool:
        """A state statute means nothing until the flow names which one."""
        return self is LegalBasis.STATE_STATUTE


LEGAL_BASIS_LABELS = {
    LegalBasis.FERPA_CONSENT: "FERPA: written consent",
    LegalBasis.FERPA_HEALTH_SAFETY_EMERGENCY: "FERPA: health or safety emergency (34 CFR 99.36)",
    LegalBasis.FERPA_JUVENILE_JUSTICE: (
        "FERPA: juvenile justice exception with certification (34 CFR 99.31(a)(5), 99.38)"
    ),
    LegalBasis.LAW_ENFORCEMENT_UNIT_RECORD: "Law-enforcement unit record (34 CFR 99.8)",
    LegalBasis.HIPAA_AUTHORIZATION: "HIPAA: authorization",
    LegalBasis.HIPAA_TPO: "HIPAA: treatment, payment or operations",
    LegalBasis.PART2_CONSENT: "42 CFR Part 2: written consent",
    LegalBasis.STATE_STATUTE: "State statute (cite it)",
    LegalBasis.OTHER: "Other",
}
CONSENT_BASES = frozenset(
    {LegalBasis.FERPA_CONSENT, LegalBasis.HIPAA_AUTHORIZATION, LegalBasis.PART2_CONSENT}
)


class DataCategory(enum.Enum):
    """A kind of information about a young person that a flow carries."""

    ATTENDANCE = "attendance"
    DISCIPLINE = "discipline"
    IEP_504_STATUS = "iep_504_status"
    MENTAL_HEALTH_REFERRAL_STATUS = "mental_health_referral_status"
    POLICE_CONTACT = "police_contact"
    COURT_STATUS = "court_status"
    CHILD_WELFARE_INVOLVEMENT = "child_welfare_involvement"
    OTHER = "other"

    @property
    def label(self) -> str:
        return DATA_CATEGORY_LABELS[self][0]

    @property
    def sector(self) -> Sector | None:
        """The system that usually holds this information (None: any)."""
        return DATA_CATEGORY_LABELS[self][1]


DATA_CATEGORY_LABELS = {
    DataCategory.ATTENDANCE: ("Attendance", Sector.SCHOOL),
    DataCategory.DISCIPLINE: ("Discipline", Sector.SCHOOL),
    DataCategory.IEP_504_STATUS: ("IEP/504 status", Sector.SCHOOL),
    DataCategory.MENTAL_HEALTH_REFERRAL_STATUS: (
        "Mental-health referral status",
        Sector.MENTAL_HEALTH,
    ),
    DataCategory.POLICE_CONTACT: ("Police contact", Sector.LAW_ENFORCEMENT),
    DataCategory.COURT_STATUS: ("Court status", Sector.JUVENILE_JUSTICE),
    DataCategory.CHILD_WELFARE_INVOLVEMENT: ("Child-welfare involvement", Sector.CHILD_WELFARE),
    DataCategory.OTHER: ("Other", None),
}


class ProcedureStatus(enum.Enum):
    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    SUPERSEDED = "superseded"
    RETIRED = "retired"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @property
    def is_open(self) -> bool:
        """Still being worked on: not yet approved, not yet replaced."""
        return self in (ProcedureStatus.DRAFT, ProcedureStatus.IN_REVIEW)


class Procedure(Timestamped, Base):
    """An information-sharing procedure (protocol) one agency owns and every agency signs off."""

    __tablename__ = "procedures"
    __table_args__ = (
        sa.CheckConstraint("review_cadence_months BETWEEN 1 AND 60", name="review_cadence_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    owning_agency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partner_agencies.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    review_cadence_months: Mapped[int] = mapped_column(default=12)
    next_review_on: Mapped[date | None] = mapped_column(index=True)
    last_reviewed_on: Mapped[date | None]
    retired_at: Mapped[datetime | None]

    owning_agency: Mapped[PartnerAgency] = relationship(lazy="joined")
    versions: Mapped[list[ProcedureVersion]] = relationship(
        back_populates="procedure",
        lazy="raise",
        order_by="ProcedureVersion.number",
        cascade="all, delete-orphan",
    )
    flows: Mapped[list[InformationFlow]] = relationship(back_populates="procedure", lazy="raise")

    @property
    def is_retired(self) -> bool:
        return self.retired_at is not None

    @property
    def latest_version(self) -> ProcedureVersion | None:
        return self.versions[-1] if self.versions else None

    @property
    def effective_version(self) -> ProcedureVersion | None:
        """The approved version in force (None until one is approved)."""
        approved = [v for v in self.versions if v.status is ProcedureStatus.APPROVED]
        return approved[-1] if approved else None

    @property
    def open_version(self) -> ProcedureVersion | None:
        """The draft or in-review version being worked on, if any."""
        latest = self.latest_version
        return latest if latest is not None and latest.status.is_open else None

    @property
    def status(self) -> ProcedureStatus:
        """The procedure's state at a glance: retired, or its latest version's status."""
        if self.is_retired:
            return ProcedureStatus.RETIRED
        latest = self.latest_version
        return latest.status if latest else ProcedureStatus.DRAFT


class ProcedureVersion(Base):
    """One text of a procedure. Its body never changes; a change is a new version."""

    __tablename__ = "procedure_versions"
    __table_args__ = (sa.UniqueConstraint("procedure_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(
        sa.ForeignKey("procedures.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    body_markdown: Mapped[str] = mapped_column(sa.Text)
    legal_bases: Mapped[list] = mapped_column(sa.JSON, default=list)
    change_summary: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[ProcedureStatus] = mapped_column(
        enum_type(ProcedureStatus, "procedure_version_status"), default=ProcedureStatus.DRAFT
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    submitted_at: Mapped[datetime | None]
    # Set when changes were requested: the sign-offs gathered so far stop counting.
    returned_at: Mapped[datetime | None]
    approved_at: Mapped[datetime | None]
    effective_on: Mapped[date | None]
    superseded_at: Mapped[datetime | None]

    procedure: Mapped[Procedure] = relationship(back_populates="versions", lazy="raise")
    author: Mapped[User | None] = relationship(lazy="joined")
    sign_offs: Mapped[list[SignOff]] = relationship(
        back_populates="version", lazy="raise", order_by="SignOff.signed_at"
    )
    change_requests: Mapped[list[ChangeRequest]] = relationship(
        back_populates="version", lazy="raise", order_by="ChangeRequest.created_at"
    )

    @property
    def legal_basis_members(self) -> list[LegalBasis]:
        return [LegalBasis(value) for value in self.legal_bases]

    @property
    def counting_sign_offs(self) -> list[SignOff]:
        """Sign-offs that count toward approval: none once changes were requested."""
        return [] if self.returned_at is not None else list(self.sign_offs)


class SignOff(Base):
    """A partner agency's agreement to one version, given by its liaison or alternate, or
    recorded on its behalf by a facilitator (`on_behalf`); `membership` is who recorded it."""

    __tablename__ = "procedure_sign_offs"
    __table_args__ = (sa.UniqueConstraint("version_id", "partner_agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("procedure_versions.id", ondelete="CASCADE"), index=True
    )
    partner_agency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partner_agencies.id", ondelete="CASCADE"), index=True
    )
    membership_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL")
    )
    signed_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Recorded by someone who does not sign for the agency (a facilitator, from the agency's
    # written or spoken approval), rather than given by its liaison or alternate.
    on_behalf: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    version: Mapped[ProcedureVersion] = relationship(back_populates="sign_offs", lazy="raise")
    partner_agency: Mapped[PartnerAgency] = relationship(lazy="joined")
    membership: Mapped[Membership | None] = relationship(lazy="joined")


class ChangeRequest(Base):
    """A request for changes to a version in review, which sends it back to draft."""

    __tablename__ = "procedure_change_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(
        sa.ForeignKey("procedure_versions.id", ondelete="CASCADE"), index=True
    )
    membership_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("memberships.id", ondelete="SET NULL")
    )
    comment: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    version: Mapped[ProcedureVersion] = relationship(back_populates="change_requests", lazy="raise")
    membership: Mapped[Membership | None] = relationship(lazy="joined")


def rests_on_legal_basis(basis: LegalBasis | None, statute_citation: str) -> bool:
    """A basis is chosen, and a state statute is cited (a flow's, read whole or as columns)."""
    if basis is None:
        return False
    return not basis.needs_citation or bool(statute_citation.strip())


class InformationFlow(Timestamped, Base):
    """A row of the sharing matrix: what goes from one agency to another, when, and by which law."""

    __tablename__ = "information_flows"
    __table_args__ = (
        sa.CheckConstraint("to_agency_id IS NOT NULL OR to_role != ''", name="has_recipient"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    from_agency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partner_agencies.id", ondelete="CASCADE"), index=True
    )
    to_agency_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("partner_agencies.id", ondelete="CASCADE"), index=True
    )
    to_role: Mapped[str] = mapped_column(sa.String(200), default="")
    data_categories: Mapped[list] = mapped_column(sa.JSON, default=list)
    trigger: Mapped[str] = mapped_column(sa.Text, default="")
    legal_basis: Mapped[LegalBasis | None] = mapped_column(
        enum_type(LegalBasis, "flow_legal_basis")
    )
    statute_citation: Mapped[str] = mapped_column(sa.String(200), default="")
    consent_required: Mapped[bool] = mapped_column(default=False)
    certification_required: Mapped[bool] = mapped_column(default=False)
    procedure_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("procedures.id", ondelete="SET NULL"), index=True
    )
    notes: Mapped[str] = mapped_column(sa.Text, default="")

    from_agency: Mapped[PartnerAgency] = relationship(foreign_keys=[from_agency_id], lazy="joined")
    to_agency: Mapped[PartnerAgency | None] = relationship(
        foreign_keys=[to_agency_id], lazy="joined"
    )
    procedure: Mapped[Procedure | None] = relationship(back_populates="flows", lazy="joined")

    @property
    def categories(self) -> list[DataCategory]:
        return [DataCategory(value) for value in self.data_categories]

    @property
    def has_legal_basis(self) -> bool:
        return rests_on_legal_basis(self.legal_basis, self.statute_citation)

    @property
    def gaps(self) -> list[str]:
        """What the flow still lacks before it can be relied on."""
        gaps = []
        if self.legal_basis is None:
            gaps.append("No legal basis")
        elif not self.has_legal_basis:
            gaps.append("State statute without a citation")
        if self.procedure_id is None:
            gaps.append("No governing procedure")
        return gaps

    @property
    def recipient(self) -> str:
        if self.to_agency_id is not None and self.to_role:
            return f"{self.to_agency.organization.name} ({self.to_role})"
        return self.to_agency.organization.name if self.to_agency_id else self.to_role


class ProcedureReview(Base):
    """A review the procedure's cadence asked for, as done: when it was due and when it was
    done (recording a review, or approving a new version). The annual report counts them."""

    __tablename__ = "procedure_reviews"

    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(
        sa.ForeignKey("procedures.id", ondelete="CASCADE"), index=True
    )
    due_on: Mapped[date | None]  # None: the procedure had no review date yet
    reviewed_on: Mapped[date]
    by_new_version: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# What a partner signed off must never change silently: a version's text and the sign-offs and
# change requests recorded on it are written once. (Workflow fields like status may move.)
IMMUTABLE_VERSION_FIELDS = ("procedure_id", "number", "body_markdown", "legal_bases", "author_id")


@sa.event.listens_for(Session, "before_flush")
def _keep_history_append_only(session: Session, _context, _instances) -> None:
    for obj in session.dirty:
        if isinstance(obj, ProcedureVersion):
            state = sa.inspect(obj)
            changed = [f for f in IMMUTABLE_VERSION_FIELDS if state.attrs[f].history.deleted]
            if changed:
                raise AppendOnlyViolation(f"version {obj.id}: {', '.join(changed)} cannot change")
        elif isinstance(obj, SignOff | ChangeRequest) and session.is_modified(obj):
            raise AppendOnlyViolation(f"{type(obj).__name__} {obj.id} cannot change")
    for obj in session.deleted:
        if isinstance(obj, SignOff | ChangeRequest):
            raise AppendOnlyViolation(f"{type(obj).__name__} {obj.id} cannot be deleted")


class AppendOnlyViolation(RuntimeError):
    """Code tried to rewrite procedure history; a bug, never a user's mistake."""
