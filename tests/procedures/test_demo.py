"""The demo's matrix and procedures, built on a partnership like the one the demo makes."""

from __future__ import annotations

from sqlalchemy import select

from partnerhub.demo import DemoWorld
from partnerhub.partnerships.models import CORE_SECTORS, Membership, Role, Sector
from partnerhub.partnerships.services import local_today
from partnerhub.procedures import demo, services
from partnerhub.procedures.models import InformationFlow, ProcedureStatus
from tests.clock import NOW


def demo_world(make, db) -> DemoWorld:
    facilitator_user = make.user("Casey Coordinator")
    partnership = make.partnership(facilitator_user, name="Lewis and Clark County Partnership")
    facilitator = db.scalars(select(Membership).filter_by(user_id=facilitator_user.id)).one()
    world = DemoWorld(now=NOW, partnership=partnership, facilitator=facilitator)
    world.members.append(facilitator)
    for sector in (*CORE_SECTORS, Sector.OTHER):
        label = "Substance-use treatment" if sector is Sector.OTHER else None
        organization = make.organization(f"Demo {sector.value}", sector, label)
        agency = make.agency(partnership, organization=organization)
        liaison = make.member(partnership, make.user(), Role.MEMBER, agency=agency)
        agency.liaison_id = liaison.id
        world.agencies[sector] = agency
        world.members.append(liaison)
    db.flush()
    return world


def test_demo_adds_a_dozen_flows_and_procedures_in_three_states(make, db):
    world = demo_world(make, db)
    demo.extend(db, world)
    db.commit()
    flows = db.scalars(select(InformationFlow)).all()
    assert len(flows) == 12
    senders = {f.from_agency.organization.sector for f in flows}
    assert set(CORE_SECTORS) <= senders
    assert any(f.gaps for f in flows) and any(not f.gaps for f in flows)

    procedures = {p.title: p for p in services.partnership_procedures(db, world.partnership.id)}
    attendance = procedures["Attendance and discipline information for the review team"]
    assert attendance.status is ProcedureStatus.APPROVED
    notices = procedures["Police contact notifications to schools"]
    assert notices.status is ProcedureStatus.IN_REVIEW
    agencies = services.active_agencies(db, world.partnership.id)
    assert len(services.pending_agencies(notices.latest_version, agencies)) == 2
    assert notices.effective_version.number == 1
    today = local_today(world.partnership, world.now)
    due = services.procedures_due_for_review(db, today, [world.partnership.id])
    assert [p.title for p in due] == ["Mental-health referral status"]
