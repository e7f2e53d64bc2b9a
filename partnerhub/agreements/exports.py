"""The partnership's agreements as a spreadsheet: one row per party, with the agreement's
status and term and the party's signature."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from partnerhub.agreements.models import Agreement, AgreementParty
from partnerhub.agreements.services import agreement_status, term_end
from partnerhub.spreadsheets import csv_text

HEADER = (
    "Agreement",
    "Kind",
    "Status",
    "Effective",
    "Term ends",
    "Renewal",
    "Party",
    "Signed by",
    "Signer's title",
    "Signed on",
)


def agreements_csv(session: Session, partnership_id: int, today: date) -> str:
    """Every agreement of the partnership, by title, a row per party (one row if none)."""
    agreements = session.scalars(
        select(Agreement)
        .where(Agreement.partnership_id == partnership_id)
        .options(
            selectinload(Agreement.parties).options(
                joinedload(AgreementParty.partner_agency), selectinload(AgreementParty.signatures)
            ),
            joinedload(Agreement.successor),
        )
        .order_by(Agreement.title, Agreement.id)
    ).all()
    rows = []
    for agreement in agreements:
        end = term_end(agreement, today)
        terms = (
            agreement.title,
            agreement.kind.short,
            agreement_status(agreement, today).label,
            agreement.effective_on.isoformat() if agreement.effective_on else "",
            end.isoformat() if end else "",
            agreement.renewal_rule.label,
        )
        parties = sorted(
            agreement.parties, key=lambda p: p.partner_agency.organization.name.lower()
        )
        for party in parties or [None]:
            if party is None:
                rows.append((*terms, "", "", "", ""))
                continue
            rows.append(
                (
                    *terms,
                    party.partner_agency.organization.name,
                    party.signer_name or "",
                    party.signer_title or "",
                    party.signed_on.isoformat() if party.signed_on else "",
                )
            )
    return csv_text(HEADER, rows)
