"""Screening text before a partnership stores it: refuse what may identify a youth unless the
person confirms, with a reason, that it must stay; each such confirmation is audited."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from partnerhub.audit import services as audit
from partnerhub.auth.models import User
from partnerhub.errors import DomainError
from partnerhub.identifiers.guard import Finding, KnownNames, find_identifiers
from partnerhub.partnerships.models import (
    Invitation,
    Membership,
    Organization,
    PartnerAgency,
    Partnership,
)


class IdentifiersFound(DomainError):
    """The text may identify a youth and keeping it was not confirmed."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        found = "; ".join(str(finding) for finding in findings[:5])
        more = f" and {len(findings) - 5} more" if len(findings) > 5 else ""
        super().__init__(
            f"This may identify a youth ({found}{more}). Take it out, or tick “Keep as written” "
            "and say why it must stay."
        )


def screen(
    session: Session,
    partnership_id: int,
    texts: Iterable[str],
    *,
    keep_reason: str | None,
    actor: User,
    now: datetime,
    what: str,
) -> None:
    """Refuse `texts` (the parts of one `what`, e.g. "minutes") if they may identify a youth,
    unless `keep_reason` says why they must stay; then record that in the activity log
    (the kinds found and the reason, never the text itself)."""
    known = known_names(session, partnership_id)
    findings = [finding for text in texts for finding in find_identifiers(text or "", known)]
    if not findings:
        return
    if not (keep_reason or "").strip():
        raise IdentifiersFound(findings)
    kinds = sorted({str(finding.kind) for finding in findings})
    audit.record(
        session,
        actor,
        "identifiers.kept",
        session.get(Partnership, partnership_id),
        f"Kept {what} that may identify a youth ({', '.join(kinds)}): {keep_reason.strip()}",
        now,
        partnership_id=partnership_id,
        details={"what": what, "kinds": kinds, "count": len(findings)},
    )


def known_names(session: Session, partnership_id: int) -> KnownNames:
    """The names of the partnership, its agencies and everyone on or invited to its roster."""
    own = sa.select(Partnership.name).where(Partnership.id == partnership_id)
    people = (
        sa.select(User.name).join(Membership).where(Membership.partnership_id == partnership_id)
    )
    invited = sa.select(Invitation.name).where(Invitation.partnership_id == partnership_id)
    agencies = (
        sa.select(Organization.name)
        .join(PartnerAgency)
        .where(PartnerAgency.partnership_id == partnership_id)
    )
    return KnownNames.of(session.scalars(sa.union_all(own, people, invited, agencies)))
