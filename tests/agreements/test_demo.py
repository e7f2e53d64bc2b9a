"""The demo's agreements: one in force nearing its renewal notice, one out for signature."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from partnerhub.agreements import demo
from partnerhub.agreements.models import Agreement, AgreementStatus
from partnerhub.agreements.services import (
    STATUS_LOAD,
    agreement_status,
    renewal_thresholds,
)
from partnerhub.demo import DemoWorld
from partnerhub.partnerships.models import Sector
from partnerhub.partnerships.services import local_today
from tests.clock import NOW


def test_demo_adds_an_active_agreement_and_one_out_for_signature(make, db, table):
    world = DemoWorld(
        now=NOW,
        partnership=table.partnership,
        facilitator=table.facilitator,
        agencies={Sector.SCHOOL: table.school, Sector.LAW_ENFORCEMENT: table.police},
        members=[table.facilitator, table.superintendent, table.chief, table.officer],
    )
    demo.extend(db, world)
    db.commit()

    today = local_today(table.partnership, world.now)
    agreements = db.scalars(select(Agreement).options(*STATUS_LOAD).order_by(Agreement.id)).all()
    mou, dsa = agreements
    assert agreement_status(mou, today) is AgreementStatus.ACTIVE
    notice_opens = renewal_thresholds(mou)[0][1]
    assert today < notice_opens <= today + timedelta(days=120)
    assert {p.signer_name for p in mou.parties} == {"Sam Superintendent", "Cruz Chief"}
    assert agreement_status(dsa, today) is AgreementStatus.OUT_FOR_SIGNATURE
    assert [p.signature is not None for p in dsa.parties] == [True, False]
