"""Interagency agreements: their terms, parties, signatures and signed documents.

An agreement's status is never stored: `agreement_status` in services.py computes it from
these rows and the partnership's "today".
"""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from partnerhub.auth.models import User
from partnerhub.db import Base, Timestamped, enum_type, utcnow
from partnerhub.partnerships.models import PartnerAgency
from partnerhub.procedures.models import InformationFlow


class AgreementKind(enum.Enum):
    MOU = "mou"
    MOA = "moa"
    IGA = "iga"
    DATA_SHARING_AGREEMENT = "data_sharing_agreement"

    @property
    def label(self) -> str:
        return {
            AgreementKind.MOU: "Memorandum of understanding (MOU)",
            AgreementKind.MOA: "Memorandum of agreement (MOA)",
            AgreementKind.IGA: "Intergovernmental agreement (IGA)",
            AgreementKind.DATA_SHARING_AGREEMENT: "Data-sharing agreement",
        }[self]

    @property
    def short(self) -> str:
        return "DSA" if self is AgreementKind.DATA_SHARING_AGREEMENT else self.value.upper()


class RenewalRule(enum.Enum):
    NONE = "none"
    BY_AMENDMENT = "by_amendment"
    AUTOMATIC = "automatic"

    @property
    def label(self) -> str:
        return {
            RenewalRule.NONE: "No renewal: it ends on its expiry date",
            RenewalRule.BY_AMENDMENT: "Renewed by a signed amendment",
            RenewalRule.AUTOMATIC: "Renews automatically for another term unless terminated",
        }[self]


class AgreementStatus(enum.Enum):
    """Where an agreement stands on a given day; computed, never stored."""

    DRAFT = "draft"
    OUT_FOR_SIGNATURE = "out_for_signature"
    SIGNED = "signed"  # every party signed, effective date still ahead
    ACTIVE = "active"
    EXPIRING = "expiring"
    EXPIRED = "expired"
    RENEWED = "renewed"
    TERMINATED = "terminated"

    @property
    def label(self) -> str:
        return {
            AgreementStatus.DRAFT: "Draft",
            AgreementStatus.OUT_FOR_SIGNATURE: "Out for signature",
            AgreementStatus.SIGNED: "Signed, not yet effective",
            AgreementStatus.ACTIVE: "Active",
            AgreementStatus.EXPIRING: "Expiring",
            AgreementStatus.EXPIRED: "Expired",
            AgreementStatus.RENEWED: "Renewed",
            AgreementStatus.TERMINATED: "Terminated",
        }[self]

    @property
    def badge(self) -> str:
        """The Bootstrap colour of the status badge."""
        return {
            AgreementStatus.DRAFT: "secondary",
            AgreementStatus.OUT_FOR_SIGNATURE: "info",
            AgreementStatus.SIGNED: "primary",
            AgreementStatus.ACTIVE: "success",
            AgreementStatus.EXPIRING: "warning",
            AgreementStatus.EXPIRED: "danger",
            AgreementStatus.RENEWED: "light",
            AgreementStatus.TERMINATED: "dark",
        }[self]


# The sharing-matrix rows an agreement covers.
agreement_flows = sa.Table(
    "agreement_flows",
    Base.metadata,
    sa.Column("agreement_id", sa.ForeignKey("agreements.id", ondelete="CASCADE"), primary_key=True),
    sa.Column(
        "information_flow_id",
        sa.ForeignKey("information_flows.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class Agreement(Timestamped, Base):
    """An MOU, MOA, IGA or data-sharing agreement among some of a partnership's agencies."""

    __tablename__ = "agreements"
    __table_args__ = (
        sa.CheckConstraint("renewal_notice_days >= 0", name="notice_not_negative"),
        sa.CheckConstraint(
            "expires_on IS NULL OR effective_on IS NULL OR expires_on > effective_on",
            name="expires_after_effective",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    partnership_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partnerships.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[AgreementKind] = mapped_column(enum_type(AgreementKind, "agreement_kind"))
    purpose: Mapped[str] = mapped_column(sa.Text, default="")
    legal_bases: Mapped[list] = mapped_column(sa.JSON, default=list)  # LegalBasis values
    data_categories: Mapped[list] = mapped_column(sa.JSON, default=list)  # DataCategory values
    effective_on: Mapped[date | None]
    expires_on: Mapped[date | None]  # None: open-ended, it never expires
    renewal_notice_days: Mapped[int] = mapped_column(default=90)
    renewal_rule: Mapped[RenewalRule] = mapped_column(
        enum_type(RenewalRule, "renewal_rule"), default=RenewalRule.NONE
    )
    # The yearly review the parties hold whether or not the agreement is due for renewal.
    review_on: Mapped[date | None]
    last_reviewed_on: Mapped[date | None]
    # The clauses beside the purpose (see clauses.py for what each says and its default).
    parties_clause: Mapped[str] = mapped_column(sa.Text, default="")
    flows_clause: Mapped[str] = mapped_column(sa.Text, default="")
    redisclosure_clause: Mapped[str] = mapped_column(sa.Text, default="")
    security_clause: Mapped[str] = mapped_column(sa.Text, default="")
    training_clause: Mapped[str] = mapped_column(sa.Text, default="")
    disputes_clause: Mapped[str] = mapped_column(sa.Text, default="")
    consent_clause: Mapped[str] = mapped_column(sa.Text, default="")
    term_clause: Mapped[str] = mapped_column(sa.Text, default="")
    sent_for_signature_at: Mapped[datetime | None]
    terminated_on: Mapped[date | None]
    termination_reason: Mapped[str] = mapped_column(sa.Text, default="")
    # A renewal is a successor pointing at its predecessor; an agreement is renewed once.
    predecessor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agreements.id", ondelete="SET NULL"), unique=True
    )
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    parties: Mapped[list[AgreementParty]] = relationship(
        back_populates="agreement",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="AgreementParty.id",
    )
    documents: Mapped[list[AgreementDocument]] = relationship(
        back_populates="agreement",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="AgreementDocument.id",
    )
    predecessor: Mapped[Agreement | None] = relationship(
        remote_side=[id], back_populates="successor", lazy="raise"
    )
    successor: Mapped[Agreement | None] = relationship(
        back_populates="predecessor", lazy="raise", uselist=False
    )
    created_by: Mapped[User | None] = relationship(lazy="raise")
    flows: Mapped[list[InformationFlow]] = relationship(
        secondary=agreement_flows, lazy="raise", order_by=InformationFlow.id
    )
    amendments: Mapped[list[AgreementAmendment]] = relationship(
        back_populates="agreement",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="AgreementAmendment.number",
    )


class AgreementParty(Base):
    """A partner agency that is party to an agreement, with its signature history."""

    __tablename__ = "agreement_parties"
    __table_args__ = (sa.UniqueConstraint("agreement_id", "partner_agency_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    partner_agency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partner_agencies.id", ondelete="CASCADE"), index=True
    )
    # Set for an agency that joined the signed agreement by an amendment.
    amendment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("agreement_amendments.id", ondelete="SET NULL")
    )

    agreement: Mapped[Agreement] = relationship(back_populates="parties", lazy="raise_on_sql")
    partner_agency: Mapped[PartnerAgency] = relationship(lazy="raise")
    signatures: Mapped[list[AgreementSignature]] = relationship(
        back_populates="party",
        lazy="raise",
        cascade="all, delete-orphan",
        order_by="AgreementSignature.id",
    )

    @property
    def signature(self) -> AgreementSignature | None:
        """The signature that counts: the latest one not withdrawn."""
        current = [s for s in self.signatures if s.withdrawn_at is None]
        return current[-1] if current else None

    @property
    def signed_on(self) -> date | None:
        return self.signature.signed_on if self.signature else None

    @property
    def signer_name(self) -> str | None:
        return self.signature.signer_name if self.signature else None

    @property
    def signer_title(self) -> str | None:
        return self.signature.signer_title if self.signature else None

    @property
    def recorded_by_id(self) -> int | None:
        return self.signature.recorded_by_id if self.signature else None

    @property
    def recorded_at(self) -> datetime | None:
        return self.signature.recorded_at if self.signature else None


class AgreementSignature(Base):
    """One recorded signature of a party. Never edited: a correction withdraws it and records
    a new one, so what a party signed, and who recorded it, stays on file."""

    __tablename__ = "agreement_signatures"
    __table_args__ = (
        sa.CheckConstraint(
            "(withdrawn_at IS NULL) = (withdrawal_reason IS NULL)", name="withdrawal_has_reason"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    party_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agreement_parties.id", ondelete="CASCADE"), index=True
    )
    signer_name: Mapped[str] = mapped_column(sa.String(120))
    signer_title: Mapped[str] = mapped_column(sa.String(120))
    signed_on: Mapped[date]
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    withdrawn_at: Mapped[datetime | None]
    withdrawn_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    withdrawal_reason: Mapped[str | None] = mapped_column(sa.Text)

    party: Mapped[AgreementParty] = relationship(back_populates="signatures", lazy="raise")
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id], lazy="joined")


class AgreementDocument(Base):
    """A signed copy (PDF or DOCX) stored outside the web root under a generated name."""

    __tablename__ = "agreement_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    original_name: Mapped[str] = mapped_column(sa.String(255))
    stored_name: Mapped[str] = mapped_column(sa.String(64), unique=True)
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    deleted_at: Mapped[datetime | None]
    deleted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    agreement: Mapped[Agreement] = relationship(back_populates="documents", lazy="raise")
    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id], lazy="joined")


# The sharing-matrix rows an amendment adds to the agreement.
amendment_flows = sa.Table(
    "agreement_amendment_flows",
    Base.metadata,
    sa.Column(
        "amendment_id",
        sa.ForeignKey("agreement_amendments.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column(
        "information_flow_id",
        sa.ForeignKey("information_flows.id", ondelete="CASCADE"),
        primary_key=True,
        index=True,
    ),
)


class AgreementAmendment(Base):
    """An agency joining a signed agreement (and, with it, flows the agreement now covers).

    It takes effect once the joining agency has signed it and a facilitator has accepted it
    for the partnership: the agency then becomes a party with that signature on file. The
    agreement's term does not change."""

    __tablename__ = "agreement_amendments"
    __table_args__ = (
        sa.UniqueConstraint("agreement_id", "number"),
        sa.UniqueConstraint("agreement_id", "partner_agency_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("agreements.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int]
    partner_agency_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partner_agencies.id", ondelete="CASCADE"), index=True
    )
    text: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    signer_name: Mapped[str | None] = mapped_column(sa.String(120))
    signer_title: Mapped[str | None] = mapped_column(sa.String(120))
    signed_on: Mapped[date | None]
    signature_recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    accepted_on: Mapped[date | None]
    accepted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    agreement: Mapped[Agreement] = relationship(back_populates="amendments", lazy="raise_on_sql")
    partner_agency: Mapped[PartnerAgency] = relationship(lazy="joined")
    accepted_by: Mapped[User | None] = relationship(foreign_keys=[accepted_by_id], lazy="raise")
    flows: Mapped[list[InformationFlow]] = relationship(
        secondary=amendment_flows, lazy="raise", order_by=InformationFlow.id
    )

    @property
    def in_effect_on(self) -> date | None:
        """The day it took effect: the later of the signature and the acceptance."""
        if self.signed_on is None or self.accepted_on is None:
            return None
        return max(self.signed_on, self.accepted_on)
