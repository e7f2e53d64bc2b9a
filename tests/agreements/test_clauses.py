"""An agreement's clauses: standard wording, what is missing, the flows clause drafted from the
sharing matrix with 42 CFR Part 2's notice, and the printable draft."""

from __future__ import annotations

from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import select

from partnerhub.agreements import clauses, services
from partnerhub.audit.models import AuditEvent
from partnerhub.errors import DomainError, InvalidTransition
from partnerhub.procedures.models import DataCategory, LegalBasis
from tests.clock import NOW, TODAY


def terms(table, **changes) -> services.Terms:
    defaults = dict(
        title="Denver IGA on school resource officers",
        kind=services.AgreementKind.IGA,
        purpose="Make data collection and sharing between schools and police transparent.",
        party_agency_ids=[table.school.id, table.police.id],
        effective_on=TODAY,
        expires_on=TODAY + timedelta(days=365),
    )
    return services.Terms(**{**defaults, **changes})


@pytest.fixture
def flows(make, table, db):
    """Discipline to the SRO in an emergency; treatment attendance to the school under Part 2."""
    emergency = make.flow(
        table.school,
        table.police,
        to_role="School Resource Officer",
        data_categories=[DataCategory.DISCIPLINE.value],
        trigger="when a student poses an imminent threat",
        legal_basis=LegalBasis.FERPA_HEALTH_SAFETY_EMERGENCY,
    )
    part2 = make.flow(
        table.police,
        table.school,
        to_role="Counselor",
        data_categories=[DataCategory.OTHER.value],
        trigger="monthly",
        legal_basis=LegalBasis.PART2_CONSENT,
        consent_required=True,
    )
    db.commit()
    return emergency, part2


def draft(db, table, **changes):
    agreement = services.create_agreement(
        db, table.facilitator.user, table.partnership.id, terms(table, **changes), NOW
    )
    db.commit()
    return services.get_agreement(db, table.partnership.id, agreement.id)


def test_a_new_draft_starts_from_the_standard_wording_and_misses_only_its_flows(db, table):
    agreement = draft(db, table)
    for clause in clauses.CLAUSES[1:]:
        if clause.attr != "flows_clause":
            assert getattr(agreement, clause.attr) == clause.default
    assert agreement.flows_clause == ""
    assert [gap.split(":")[0] for gap in clauses.missing(agreement)] == ["Information shared"]
    assert agreement.review_on == TODAY.replace(year=TODAY.year + 1)


def test_an_agreement_with_an_empty_clause_cannot_be_sent(db, table):
    agreement = draft(db, table)
    with pytest.raises(DomainError, match="complete its clauses: Information shared"):
        services.send_for_signature(db, table.facilitator.user, agreement, NOW)


def test_drafting_from_the_matrix_writes_each_flow_and_adds_the_part2_notice(db, table, flows):
    emergency, part2 = flows
    agreement = draft(db, table)
    assert not clauses.has_part2_notice(agreement.redisclosure_clause)

    services.draft_from_matrix(db, table.facilitator.user, agreement, [emergency.id, part2.id], NOW)
    db.commit()
    agreement = services.get_agreement(db, table.partnership.id, agreement.id)

    text = agreement.flows_clause
    assert (
        "1. Denver Public Schools shares discipline with Denver Police Department "
        "(School Resource Officer), when a student poses an imminent threat. Legal basis: "
        "FERPA: health or safety emergency (34 CFR 99.36). Consent: none beyond the legal "
        "basis." in text
    )
    assert "Legal basis: 42 CFR Part 2: written consent. Consent: a signed written consent" in text
    assert clauses.has_part2_notice(agreement.redisclosure_clause)
    assert clauses.PART2_NOTICE in agreement.redisclosure_clause
    assert [f.id for f in agreement.flows] == [emergency.id, part2.id]
    assert clauses.missing(agreement) == []
    services.send_for_signature(db, table.facilitator.user, agreement, NOW)


def test_a_part2_flow_without_the_notice_keeps_the_agreement_from_signature(db, table, flows):
    part2 = flows[1]
    agreement = draft(db, table, flow_ids=[part2.id])
    assert clauses.has_part2_notice(agreement.redisclosure_clause)
    services.update_clauses(
        db, table.facilitator.user, agreement, {"redisclosure_clause": clauses.REDISCLOSURE}, NOW
    )
    assert clauses.missing(agreement) == [
        "Use and re-disclosure: a flow it covers carries 42 CFR Part 2 records, so quote the "
        "re-disclosure notice of 42 CFR 2.32 (drafting from the sharing matrix adds it)"
    ]
    with pytest.raises(DomainError, match=r"42 CFR 2\.32"):
        services.send_for_signature(db, table.facilitator.user, agreement, NOW)


def test_the_short_part2_statement_counts_as_the_notice():
    assert clauses.has_part2_notice(
        "Disclosures carry: 42 CFR part 2 prohibits unauthorized use or\ndisclosure of these "
        "records."
    )
    assert not clauses.has_part2_notice("Records are protected by 42 CFR part 2.")


def test_drafting_needs_a_flow_of_this_partnerships_matrix(db, make, table, flows):
    agreement = draft(db, table)
    foreign = make.flow(make.agency(make.partnership(name="Elsewhere")), to_role="Judge")
    with pytest.raises(DomainError, match="at least one flow"):
        services.draft_from_matrix(db, table.facilitator.user, agreement, [], NOW)
    with pytest.raises(DomainError, match="this partnership's sharing matrix"):
        services.draft_from_matrix(db, table.facilitator.user, agreement, [foreign.id], NOW)


def test_clauses_are_locked_once_sent(db, make, table):
    sent = make.agreement(table.partnership, [table.school], sent=True, written=True)
    db.commit()
    agreement = services.get_agreement(db, table.partnership.id, sent.id)
    with pytest.raises(InvalidTransition, match="locked"):
        services.update_clauses(
            db, table.facilitator.user, agreement, {"training_clause": "None."}, NOW
        )


def test_a_renewal_keeps_the_clauses_and_starts_a_new_review_year(db, make, table):
    signed = make.agreement(
        table.partnership,
        [table.school],
        effective_on=TODAY - timedelta(days=300),
        expires_on=TODAY + timedelta(days=65),
        signed=True,
        written=True,
        training_clause="Trained every August.",
    )
    db.commit()
    agreement = services.get_agreement(db, table.partnership.id, signed.id)
    successor = services.renew(db, table.facilitator.user, agreement, TODAY, NOW)
    assert successor.training_clause == "Trained every August."
    assert successor.flows_clause == agreement.flows_clause
    assert successor.review_on == successor.effective_on.replace(
        year=successor.effective_on.year + 1
    )


# --- pages -------------------------------------------------------------------------------


def url(table, agreement, *parts) -> str:
    return "/".join([f"/partnerships/{table.partnership.id}/agreements/{agreement.id}", *parts])


def test_agreement_page_lists_the_missing_clauses(client, login_as, db, table):
    agreement = draft(db, table, purpose="")
    login_as(table.facilitator.user)
    page = client.get(url(table, agreement)).get_data(as_text=True)
    assert "2 required clauses are missing." in page
    assert "Purpose: write this clause (why these agencies share information)" in page
    assert "Information shared: write this clause" in page

    response = client.post(url(table, agreement, "send"), follow_redirects=True)
    assert "complete its clauses: Purpose: write this clause" in response.get_data(as_text=True)


def test_facilitator_rewrites_a_clause(client, login_as, db, table, reload):
    agreement = draft(db, table)
    login_as(table.facilitator.user)
    form = client.get(url(table, agreement, "clauses")).get_data(as_text=True)
    assert str(escape(clauses.TRAINING)) in form
    texts = {c.attr: getattr(agreement, c.attr) for c in clauses.CLAUSES}
    texts["training_clause"] = "Every party trains its staff each August."
    response = client.post(url(table, agreement, "clauses"), data=texts)
    assert response.status_code == 302
    assert reload(agreement).training_clause == "Every party trains its staff each August."
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "agreement.clauses_edited")
    ).one()
    assert "Training" in event.summary


def test_members_cannot_edit_clauses(client, login_as, db, table):
    agreement = draft(db, table)
    login_as(table.superintendent.user)
    assert client.post(url(table, agreement, "clauses"), data={}).status_code in (403, 404)


def test_draft_from_the_matrix_opens_a_printable_draft_without_navigation(
    client, login_as, db, table, flows
):
    emergency, _ = flows
    agreement = draft(db, table)
    login_as(table.facilitator.user)
    page = client.get(url(table, agreement)).get_data(as_text=True)
    assert "Draft from the sharing matrix" in page

    response = client.post(url(table, agreement, "from-matrix"), data={"flows": [emergency.id]})
    assert response.headers["Location"].endswith(url(table, agreement, "printable"))
    printed = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Draft for discussion, not for signature" in printed
    assert "3. Information shared" in printed
    assert "Denver Public Schools shares discipline" in printed
    assert "navbar" not in printed and "partnership-nav" not in printed
    assert "app.css" in printed
    assert printed.count("signature-block") == 2


def test_draft_from_the_matrix_without_a_flow_says_so(client, login_as, db, table, flows):
    agreement = draft(db, table)
    login_as(table.facilitator.user)
    response = client.post(url(table, agreement, "from-matrix"), data={})
    assert response.status_code == 200
    assert "Choose at least one flow of the sharing matrix." in response.get_data(as_text=True)


def test_observer_may_print_but_not_draft(client, login_as, db, table):
    agreement = draft(db, table)
    login_as(table.observer.user)
    assert client.get(url(table, agreement, "printable")).status_code == 200
    assert client.get(url(table, agreement, "from-matrix")).status_code in (403, 404)
