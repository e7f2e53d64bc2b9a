"""The annual review, apart from expiry: its date defaults to a year after the effective
date, shows on the agreement, and recording it moves the next one a year on."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from partnerhub.agreements import services
from partnerhub.audit.models import AuditEvent
from tests.clock import TODAY


def url(table, agreement, *parts) -> str:
    return "/".join([f"/partnerships/{table.partnership.id}/agreements/{agreement.id}", *parts])


def test_facilitator_records_the_annual_review(client, login_as, make, db, table, reload):
    agreement = make.agreement(
        table.partnership,
        [table.school],
        effective_on=TODAY - timedelta(days=360),
        expires_on=TODAY + timedelta(days=370),
        review_on=TODAY + timedelta(days=5),
        signed=True,
        written=True,
    )
    db.commit()
    login_as(table.facilitator.user)
    page = client.get(url(table, agreement)).get_data(as_text=True)
    assert f"By {(TODAY + timedelta(days=5)).strftime('%d %b %Y')}" in page

    reviewed_on = TODAY - timedelta(days=1)
    response = client.post(url(table, agreement, "review"), data={"reviewed_on": reviewed_on})
    assert response.status_code == 302
    reviewed = reload(agreement)
    assert reviewed.last_reviewed_on == reviewed_on
    assert reviewed.review_on == reviewed_on.replace(year=reviewed_on.year + 1)
    assert db.scalars(select(AuditEvent).where(AuditEvent.action == "agreement.reviewed")).one()


def test_a_review_cannot_be_dated_ahead_or_held_on_a_draft(client, login_as, make, db, table):
    signed = make.agreement(
        table.partnership,
        [table.school],
        effective_on=TODAY - timedelta(days=30),
        signed=True,
        written=True,
    )
    draft = make.agreement(table.partnership, [table.school], effective_on=TODAY)
    db.commit()
    login_as(table.facilitator.user)
    ahead = client.post(
        url(table, signed, "review"), data={"reviewed_on": TODAY + timedelta(days=1)}
    )
    assert "The review date cannot be in the future." in ahead.get_data(as_text=True)
    refused = client.post(
        url(table, draft, "review"), data={"reviewed_on": TODAY}, follow_redirects=True
    )
    assert "Only an agreement in force is reviewed" in refused.get_data(as_text=True)


def test_the_review_date_must_follow_the_effective_date(client, login_as, db, table):
    login_as(table.facilitator.user)
    response = client.post(
        f"/partnerships/{table.partnership.id}/agreements/new",
        data={
            "title": "Denver IGA",
            "kind": "iga",
            "purpose": "Transparency.",
            "parties": [table.school.id],
            "effective_on": TODAY.isoformat(),
            "review_on": (TODAY - timedelta(days=1)).isoformat(),
            "renewal_notice_days": "90",
            "renewal_rule": "none",
        },
    )
    assert response.status_code == 200
    assert "The annual review date must come after the effective date." in response.get_data(
        as_text=True
    )
    assert services.agreement_rows(db, table.partnership.id, TODAY) == []
