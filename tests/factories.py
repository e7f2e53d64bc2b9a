"""Builders for test data: short calls that make real rows in the test database."""

from __future__ import annotations

import itertools
from datetime import date, datetime, time, timedelta

from sqlalchemy.orm import Session

from partnerhub.agreements.models import (
    Agreement,
    AgreementDocument,
    AgreementKind,
    AgreementParty,
    AgreementSignature,
    RenewalRule,
    agreement_flows,
)
from partnerhub.auth.models import User
from partnerhub.auth.services import hash_password
from partnerhub.partnerships.models import (
    Membership,
    Organization,
    PartnerAgency,
    Partnership,
    Role,
    Sector,
)
from tests.clock import NOW, TODAY, ZONE, today_in

PASSWORD = "correct horse battery staple"
# Hashing with argon2 is slow on purpose; tests share one hash of PASSWORD.
_PASSWORD_HASH = hash_password(PASSWORD)
_serial = itertools.count(1)


class Factory:
    """Makes users, partnerships, agencies and memberships, flushed and ready to use."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def user(
        self,
        name: str | None = None,
        *,
        email: str | None = None,
        admin: bool = False,
        timezone: str = "UTC",
        active: bool = True,
    ) -> User:
        n = next(_serial)
        user = User(
            name=name or f"Person {n}",
            email=(email or f"person{n}@example.org").lower(),
            password_hash=_PASSWORD_HASH,
            is_admin=admin,
            timezone=timezone,
            is_active=active,
        )
        self.session.add(user)
        self.session.flush()
        return user

    def organization(
        self,
        name: str | None = None,
        sector: Sector = Sector.SCHOOL,
        sector_label: str | None = None,
        *,
        owner: Partnership | None = None,
        shared: bool = False,
    ) -> Organization:
        """An organization private to `owner`, or in the shared directory."""
        name = name or f"Agency {next(_serial)}"
        org = Organization(
            name=name,
            name_key=name.lower(),
            sector=sector,
            sector_label=sector_label,
            owner_partnership_id=owner.id if owner else None,
            shared=shared,
        )
        self.session.add(org)
        self.session.flush()
        return org

    def partnership(
        self,
        facilitator: User | None = None,
        *,
        name: str | None = None,
        timezone: str = ZONE,
        community: str = "Helena, MT",
        purpose: str = "Agree why, when and how we share information about youth.",
    ) -> Partnership:
        name = name or f"Partnership {next(_serial)}"
        partnership = Partnership(
            name=name,
            name_key=name.lower(),
            community=community,
            purpose=purpose,
            timezone=timezone,
            created_by_id=facilitator.id if facilitator else None,
        )
        self.session.add(partnership)
        self.session.flush()
        if facilitator:
            self.member(partnership, facilitator, Role.FACILITATOR)
        return partnership

    def agency(
        self,
        partnership: Partnership,
        name: str | None = None,
        sector: Sector = Sector.SCHOOL,
        organization: Organization | None = None,
    ) -> PartnerAgency:
        organization = organization or self.organization(name, sector, owner=partnership)
        agency = PartnerAgency(
            partnership_id=partnership.id,
            organization_id=organization.id,
            joined_on=today_in(partnership),
        )
        self.session.add(agency)
        self.session.flush()
        return agency

    def member(
        self,
        partnership: Partnership,
        user: User | None = None,
        role: Role = Role.MEMBER,
        *,
        agency: PartnerAgency | None = None,
        position: str = "",
        legal_advisor: bool = False,
        signatory: bool = False,
    ) -> Membership:
        user = user or self.user()
        membership = Membership(
            partnership_id=partnership.id,
            user_id=user.id,
            role=role,
            partner_agency_id=agency.id if agency else None,
            position=position,
            is_legal_advisor=legal_advisor,
            is_signatory=signatory,
            joined_at=NOW,
        )
        self.session.add(membership)
        self.session.flush()
        return membership

    # --- meetings -----------------------------------------------------------------------

    def series(
        self,
        partnership: Partnership,
        *,
        rule: str = "FREQ=MONTHLY;BYDAY=+2TU",
        starts_on: date = date(2026, 1, 13),
        start_time: time = time(15, 0),
        duration_minutes: int = 90,
        title: str = "Monthly partner review",
        now: datetime | None = None,
        **fields,
    ):
        """A series, scheduled through the service, with its occurrences materialized."""
        from partnerhub.meetings.services import SeriesData, schedule_series

        actor = self.session.get(User, partnership.created_by_id) or self.user()
        data = SeriesData(
            title=title,
            rule=rule,
            starts_on=starts_on,
            start_time=start_time,
            duration_minutes=duration_minutes,
            **fields,
        )
        return schedule_series(self.session, actor, partnership, data, now or NOW)

    def meeting(
        self,
        partnership: Partnership,
        starts_at: datetime | None = None,
        *,
        title: str = "Partner meeting",
        minutes: int = 90,
        **fields,
    ):
        """A one-off meeting (UTC start; a day after NOW by default)."""
        from partnerhub.meetings.models import Meeting

        starts_at = starts_at or NOW + timedelta(days=1)
        meeting = Meeting(
            partnership_id=partnership.id,
            title=title,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=minutes),
            original_starts_at=starts_at,
            **fields,
        )
        self.session.add(meeting)
        self.session.flush()
        return meeting

    # --- procedures -----------------------------------------------------------------------

    def procedure(
        self,
        agency: PartnerAgency,
        title: str | None = None,
        *,
        body: str = "1. Check the release form.\n2. Share only the status, never the file.\n",
        status: str = "draft",
        cadence_months: int = 12,
        next_review_on: date | None = None,
        legal_bases: tuple[str, ...] = ("ferpa_consent",),
    ):
        """A procedure owned by `agency` with one version in `status` (no sign-offs recorded)."""
        from partnerhub.procedures.models import Procedure, ProcedureStatus, ProcedureVersion

        now = NOW
        today = today_in(self.session.get(Partnership, agency.partnership_id))
        status = ProcedureStatus(status)
        procedure = Procedure(
            partnership_id=agency.partnership_id,
            owning_agency_id=agency.id,
            title=title or f"Procedure {next(_serial)}",
            review_cadence_months=cadence_months,
            next_review_on=next_review_on,
        )
        version = ProcedureVersion(
            number=1,
            body_markdown=body,
            legal_bases=list(legal_bases),
            change_summary="First version",
            status=status,
            created_at=now,
            submitted_at=None if status is ProcedureStatus.DRAFT else now,
            approved_at=now if status is ProcedureStatus.APPROVED else None,
            effective_on=today if status is ProcedureStatus.APPROVED else None,
        )
        procedure.versions = [version]
        self.session.add(procedure)
        self.session.flush()
        return procedure

    def flow(self, from_agency: PartnerAgency, to_agency: PartnerAgency | None = None, **fields):
        """A matrix row from `from_agency` (to `to_agency` or a role)."""
        from partnerhub.procedures.models import InformationFlow, LegalBasis

        fields.setdefault("to_role", "" if to_agency else "School Resource Officer")
        fields.setdefault("data_categories", ["attendance"])
        fields.setdefault("trigger", "On a referral to the partnership's review team")
        fields.setdefault("legal_basis", LegalBasis.FERPA_CONSENT)
        flow = InformationFlow(
            partnership_id=from_agency.partnership_id,
            from_agency_id=from_agency.id,
            to_agency_id=to_agency.id if to_agency else None,
            **fields,
        )
        self.session.add(flow)
        self.session.flush()
        return flow

    # --- agreements -------------------------------------------------------------------

    def agreement(
        self,
        partnership: Partnership,
        parties: list[PartnerAgency] = (),
        *,
        title: str | None = None,
        kind: AgreementKind = AgreementKind.MOU,
        effective_on: date | None = None,
        expires_on: date | None = None,
        notice_days: int = 90,
        renewal_rule: RenewalRule = RenewalRule.NONE,
        sent: bool = False,
        signed: bool = False,
        flows: list = (),
        written: bool = False,
        **fields,
    ) -> Agreement:
        """An agreement among `parties`; `signed` sends it and records every signature;
        `written` gives it every clause (the standard wording) so that it may be sent."""
        if written:
            from partnerhub.agreements.clauses import CLAUSES

            fields = {
                **{c.attr: c.default for c in CLAUSES[1:]},
                "purpose": "Share what the partners agreed, and nothing more.",
                "flows_clause": "The school shares attendance counts with the police.",
                **fields,
            }
        agreement = Agreement(
            partnership_id=partnership.id,
            title=title or f"Agreement {next(_serial)}",
            kind=kind,
            effective_on=effective_on,
            expires_on=expires_on,
            renewal_notice_days=notice_days,
            renewal_rule=renewal_rule,
            sent_for_signature_at=NOW if sent or signed else None,
            **fields,
        )
        self.session.add(agreement)
        self.session.flush()
        for flow in flows:
            self.session.execute(
                agreement_flows.insert().values(
                    agreement_id=agreement.id, information_flow_id=flow.id
                )
            )
        for agency in parties:
            party = AgreementParty(agreement_id=agreement.id, partner_agency_id=agency.id)
            self.session.add(party)
            self.session.flush()
            if signed:
                self.signature(party, signed_on=effective_on or today_in(partnership))
        return agreement

    def signature(
        self,
        party: AgreementParty,
        *,
        name: str = "Pat Signer",
        title: str = "Agency director",
        signed_on: date | None = None,
        recorded_by: User | None = None,
    ) -> AgreementSignature:
        signature = AgreementSignature(
            party_id=party.id,
            signer_name=name,
            signer_title=title,
            signed_on=signed_on or TODAY,
            recorded_by_id=recorded_by.id if recorded_by else None,
            recorded_at=NOW,
        )
        self.session.add(signature)
        self.session.flush()
        return signature

    def agreement_document(
        self, agreement: Agreement, name: str = "signed.pdf", data: bytes = b"%PDF-1.7 signed"
    ) -> AgreementDocument:
        """A document record (its file is not written: pass it through the service for that)."""
        document = AgreementDocument(
            agreement_id=agreement.id,
            original_name=name,
            stored_name=f"{next(_serial):032x}",
            content_type="application/pdf",
            size=len(data),
            sha256="0" * 64,
            uploaded_at=NOW,
        )
        self.session.add(document)
        self.session.flush()
        return document

    # --- notifications: outbox delivery ---------------------------------------------------

    def outbox_email(
        self,
        to: str | None = None,
        *,
        key: str | None = None,
        partnership: Partnership | None = None,
        now=None,
    ):
        """A pending outbox message, as a sweep would queue it."""
        from partnerhub.notifications.outbox import queue_email

        n = next(_serial)
        return queue_email(
            self.session,
            key=key or f"test-message:{n}",
            kind="test",
            to=to or f"reader{n}@example.org",
            subject=f"Message {n}",
            text=f"Body of message {n}.",
            html=f"<p>Body of message {n}.</p>",
            now=now or NOW,
            partnership_id=partnership.id if partnership else None,
        )

    # --- reminders -------------------------------------------------------------------------

    def flag(self, partnership: Partnership, *, title: str = "Helena IGA", due_on=None, **fields):
        from partnerhub.notifications.models import Flag, FlagKind

        due_on = due_on or today_in(partnership)
        flag = Flag(
            partnership_id=partnership.id,
            kind=fields.pop("kind", FlagKind.AGREEMENT_RENEWAL),
            subject=fields.pop("subject", f"agreement:{next(_serial)}"),
            title=title,
            due_on=due_on,
            raised_on=fields.pop("raised_on", due_on),
            threshold=fields.pop("threshold", "notice"),
            **fields,
        )
        self.session.add(flag)
        self.session.flush()
        return flag
