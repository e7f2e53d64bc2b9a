"""Stages Partner -> Plan -> Act: computed and ticked items, advancing, overriding, going back."""

from sqlalchemy import select

from partnerhub.partnerships import services
from partnerhub.partnerships.models import (
    CORE_SECTORS,
    ChecklistTick,
    Stage,
    StageTransition,
)
from partnerhub.partnerships.registry import CheckResult, computed_check, registry
from tests.clock import NOW, TODAY


def items(db, partnership):
    return {i.check.key: i for i in services.checklist(db, partnership, TODAY)}


def settle_partner_stage(make, db, partnership, user):
    for sector in CORE_SECTORS:
        make.agency(partnership, sector=sector)
    partnership.meeting_cadence = "Monthly"
    services.tick(db, user, partnership, "partner.shared_leadership", "", NOW)
    db.commit()


def test_computed_items_follow_the_data(facilitated, make, db):
    partnership = facilitated.partnership
    before = items(db, partnership)
    assert before["partner.facilitator"].done and before["partner.purpose"].done
    assert not before["partner.core_sectors"].done
    assert "Missing: Schools" in before["partner.core_sectors"].detail
    assert not before["partner.cadence"].done
    for sector in CORE_SECTORS[:4]:
        make.agency(partnership, sector=sector)
    services.record_absence(db, facilitated.user, partnership, CORE_SECTORS[4], "Joins in May", NOW)
    assert items(db, partnership)["partner.core_sectors"].done


def test_ticks_record_who_and_when_and_can_be_taken_back(facilitated, db):
    url = facilitated.url("/checklist/partner.shared_leadership")
    facilitated.client.post(url + "/tick", data={"note": "Agreed at the March meeting"})
    tick = db.scalar(select(ChecklistTick))
    assert tick.ticked_by_id == facilitated.user.id and tick.note == "Agreed at the March meeting"
    page = facilitated.client.get(facilitated.url("/stages")).get_data(as_text=True)
    assert "Ticked by Fiona Facilitator" in page
    facilitated.client.post(url + "/untick")
    assert db.scalar(select(ChecklistTick)) is None
    assert facilitated.client.post(facilitated.url("/checklist/nope/tick")).status_code == 404
    computed = facilitated.client.post(facilitated.url("/checklist/partner.purpose/tick"))
    assert computed.status_code == 404


def test_advancing_with_open_items_needs_a_reason(facilitated, db):
    response = facilitated.client.post(facilitated.url("/stage/advance"), data={"reason": ""})
    page = facilitated.client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Some required items are not done yet" in page
    db.expire_all()
    assert facilitated.partnership.stage is Stage.PARTNER

    facilitated.client.post(
        facilitated.url("/stage/advance"), data={"reason": "Child welfare joins next month"}
    )
    db.expire_all()
    transition = db.scalar(select(StageTransition))
    assert facilitated.partnership.stage is Stage.PLAN
    assert transition.reason == "Child welfare joins next month"
    assert any("core system" in item for item in transition.unmet_items)
    page = facilitated.client.get(facilitated.url("/stages")).get_data(as_text=True)
    assert "Partner → Plan" in page and "Overrode" in page


def test_advancing_when_everything_holds_needs_no_reason(facilitated, make, db, monkeypatch):
    own = [c for c in registry.checks if c.key.split(".")[0] in ("partner", "plan", "act")]
    monkeypatch.setattr(registry, "checks", own)  # other modules' items are theirs to test
    settle_partner_stage(make, db, facilitated.partnership, facilitated.user)
    facilitated.client.post(facilitated.url("/stage/advance"))
    db.expire_all()
    assert facilitated.partnership.stage is Stage.PLAN
    assert db.scalar(select(StageTransition)).unmet_items == []


def test_going_back_is_recorded_with_its_reason(facilitated, make, db):
    settle_partner_stage(make, db, facilitated.partnership, facilitated.user)
    services.advance(db, facilitated.user, facilitated.partnership, "Ready", NOW)
    db.commit()
    without = facilitated.client.post(facilitated.url("/stage/back"), data={"reason": ""})
    assert "Say why" in facilitated.client.get(without.headers["Location"]).get_data(as_text=True)
    facilitated.client.post(facilitated.url("/stage/back"), data={"reason": "A new agency joins"})
    db.expire_all()
    assert facilitated.partnership.stage is Stage.PARTNER
    back = db.scalars(select(StageTransition).order_by(StageTransition.id)).all()[-1]
    assert (back.from_stage, back.to_stage, back.reason) == (
        Stage.PLAN,
        Stage.PARTNER,
        "A new agency joins",
    )


def test_another_module_adds_a_computed_item_through_the_registry(facilitated, db):
    @computed_check(Stage.PARTNER, "test.always_open", "A meeting series scheduled", order=99)
    def never(session, partnership, today):
        return CheckResult(False, "No series yet")

    try:
        page = facilitated.client.get(facilitated.url()).get_data(as_text=True)
        assert "A meeting series scheduled" in page and "No series yet" in page
    finally:
        registry.checks[:] = [c for c in registry.checks if c.key != "test.always_open"]
