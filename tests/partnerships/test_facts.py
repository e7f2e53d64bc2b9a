"""The partnerships' facts (counts, settings, what exists) that the domains register are read
for all of a page's partnerships in one statement, each partnership's its own."""

from datetime import timedelta

from partnerhub.meetings.models import ActionItem, ActionItemStatus
from partnerhub.notifications.models import OutboxStatus
from partnerhub.partnerships.models import Sector, SectorAbsence
from partnerhub.partnerships.snapshot import facts, shared_reads
from partnerhub.training.models import TrainingPolicy
from tests.clock import NOW, TODAY


def test_each_partnership_has_its_own_facts_read_in_one_statement(make, db, count_queries):
    quiet, busy = make.partnership(), make.partnership()
    for due_on, status in (
        (TODAY - timedelta(days=1), ActionItemStatus.OPEN),
        (TODAY - timedelta(days=9), ActionItemStatus.OPEN),
        (TODAY, ActionItemStatus.OPEN),  # due today: not overdue yet
        (TODAY - timedelta(days=3), ActionItemStatus.DONE),
    ):
        db.add(ActionItem(partnership_id=busy.id, title="Circulate", due_on=due_on, status=status))
    make.outbox_email(partnership=busy).status = OutboxStatus.FAILED
    make.outbox_email(partnership=busy)
    for sector in (Sector.SCHOOL, Sector.CHILD_WELFARE):
        db.add(SectorAbsence(partnership_id=busy.id, sector=sector, reason="Not in this county"))
    db.add(TrainingPolicy(partnership_id=busy.id, current_months=18, requirements={}))
    make.agency(busy, "Helena Police", Sector.LAW_ENFORCEMENT)
    make.agency(busy, "Helena Schools", Sector.SCHOOL).left_on = TODAY
    make.user("No Member")  # so that the advisors' users and memberships are numbered apart
    make.member(busy, make.user("Zoe Advisor"), legal_advisor=True)
    make.member(busy, make.user("Ann Advisor"), legal_advisor=True)
    make.member(busy, make.user("Gone Advisor"), legal_advisor=True).left_at = NOW
    db.commit()

    with count_queries() as statements, shared_reads(db):
        found = facts(db, [quiet.id, busy.id], TODAY)
        assert facts(db, [busy.id, quiet.id], TODAY) is found  # read once per page

    assert len(statements) == 1
    assert found[busy.id]["overdue_action_items"] == 2
    assert found[busy.id]["failed_mail"] == 1
    assert set(found[busy.id]["absent_sectors"].split(",")) == {"school", "child_welfare"}
    assert found[busy.id]["training_months"] == 18
    assert found[busy.id]["training_tracked"]
    assert set(found[busy.id]["legal_advisors"].split("\n")) == {"Ann Advisor", "Zoe Advisor"}
    assert found[busy.id]["sectors_at_table"] == "law_enforcement"  # not the one that left
    assert found[busy.id]["agencies_without_liaison"] == "Helena Police"
    assert found[quiet.id]["legal_advisors"] is None
    assert found[quiet.id]["overdue_action_items"] == found[quiet.id]["failed_mail"] == 0
    assert found[quiet.id]["absent_sectors"] is None
    assert found[quiet.id]["sectors_at_table"] is None  # not the busy one's agencies
    assert found[quiet.id]["agencies_without_liaison"] is None
    assert found[quiet.id]["training_months"] is None
    assert not found[quiet.id]["training_tracked"]
