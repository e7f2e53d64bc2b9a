"""Routes of the partnerships module and who may reach them."""

from datetime import timedelta

from partnerhub.auth.services import new_token
from partnerhub.partnerships.models import Invitation, Role, Sector
from tests.clock import NOW

ROUTES = {
    "partnerships.dashboard": "login",
    "partnerships.waiting": "login",
    "partnerships.new_partnership": "login",
    "partnerships.overview": "view",
    "partnerships.edit_partnership": "manage",
    "partnerships.agencies": "view",
    "partnerships.add_agency": "manage",
    "partnerships.edit_agency": "manage",
    "partnerships.remove_agency": "manage",
    "partnerships.roster": "view",
    "partnerships.roster_csv": "view",
    "partnerships.edit_member": "manage",
    "partnerships.remove_member": "manage",
    "partnerships.record_absence": "manage",
    "partnerships.invite": "manage",
    "partnerships.resend_invitation": "manage",
    "partnerships.revoke_invitation": "manage",
    "partnerships.accept_invitation": "token",
    "partnerships.stages": "view",
    "partnerships.tick": "manage",
    "partnerships.untick": "manage",
    "partnerships.advance": "manage",
    "partnerships.go_back": "manage",
    "partnerships.organizations": "admin",
    "partnerships.share_organization": "admin",
    "partnerships.unshare_organization": "admin",
}

# (endpoint, a valid submission, fields whose input must come back when refused)
PARTNERSHIP = {
    "name": "Helena Youth Partnership",
    "community": "Helena, MT",
    "purpose": "Keep young people in school and out of court.",
    "timezone": "America/Denver",
    "absence_flag_after": "3",
}
FORMS = [
    (
        "partnerships.new_partnership",
        {**PARTNERSHIP, "name": "Butte Youth Partnership"},
        ["name", "community", "purpose", "absence_flag_after"],
    ),
    ("partnerships.edit_partnership", PARTNERSHIP, ["name", "community", "purpose"]),
    (
        "partnerships.add_agency",
        {"organization": "0", "name": "Lewis and Clark County", "sector": "other",
         "sector_label": "County government"},
        ["name", "sector_label"],
    ),
    ("partnerships.edit_agency", {"liaison": "0", "alternate": "0"}, []),
    (
        "partnerships.edit_member",
        {"role": "member", "agency": "0", "position": "Detective", "is_signatory": "y"},
        ["position"],
    ),
    (
        "partnerships.record_absence",
        {"reason": "The county's child-welfare office has no one to send yet."},
        ["reason"],
    ),
    (
        "partnerships.invite",
        {"email": "ivy@example.org", "name": "Ivy Ives", "role": "member", "agency": "0",
         "position": "School counselor"},
        ["email", "name", "position"],
    ),
    (
        "partnerships.accept_invitation",
        {"name": "Ivy Invitee", "password": "a long passphrase", "confirm": "a long passphrase"},
        ["name"],
    ),
    ("partnerships.tick", {"note": "Agreed at the March meeting."}, []),
    ("partnerships.advance", {"reason": "Everyone agreed to move on."}, []),
    ("partnerships.go_back", {"reason": "The agreement needs redoing."}, []),
]  # fmt: skip


def invitation(make, partnership, email="invitee@example.org") -> tuple[Invitation, str]:
    """An open invitation and the raw token of its link."""
    raw, digest = new_token()
    now = NOW
    row = Invitation(
        partnership_id=partnership.id,
        email=email,
        name="Ivy Invitee",
        role=Role.MEMBER,
        token_hash=digest,
        created_at=now,
        expires_at=now + timedelta(days=7),
    )
    make.session.add(row)
    make.session.flush()
    return row, raw


def url_values(make, world) -> dict[str, dict]:
    agency = make.agency(world.partnership, "Helena Police Department", Sector.LAW_ENFORCEMENT)
    person = make.member(world.partnership, agency=agency)
    open_invitation, raw = invitation(make, world.partnership)
    on_agency = {"agency_id": agency.id}
    on_person = {"membership_id": person.id}
    on_invitation = {"invitation_id": open_invitation.id}
    item = {"key": "partner.shared_leadership"}
    return {
        "partnerships.edit_agency": on_agency,
        "partnerships.remove_agency": on_agency,
        "partnerships.edit_member": on_person,
        "partnerships.remove_member": on_person,
        "partnerships.record_absence": {"sector": Sector.CHILD_WELFARE.value},
        "partnerships.resend_invitation": on_invitation,
        "partnerships.revoke_invitation": on_invitation,
        "partnerships.accept_invitation": {"token": raw},
        "partnerships.share_organization": {"organization_id": agency.organization_id},
        "partnerships.unshare_organization": {"organization_id": agency.organization_id},
        "partnerships.tick": item,
        "partnerships.untick": item,
    }
