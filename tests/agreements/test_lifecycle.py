"""Drafting, sending, signing, correcting, terminating and renewing an agreement via its pages."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from partnerhub.agreements.models import (
    Agreement,
    AgreementParty,
    AgreementSignature,
    AgreementStatus,
)
from partnerhub.agreements.services import agreement_status
from partnerhub.audit.models import AuditEvent
from tests.clock import TODAY


def agreements_url(table, *parts) -> str:
    return "/".join([f"/partnerships/{table.partnership.id}/agreements", *map(str, parts)])


def terms(table, **changes) -> dict:
    form = {
        "title": "Denver IGA on school resource officers",
        "kind": "iga",
        "purpose": "Make data collection and sharing between schools and police transparent.",
        "parties": [table.school.id, table.police.id],
        "effective_on": (TODAY - timedelta(days=10)).isoformat(),
        "expires_on": (TODAY + timedelta(days=355)).isoformat(),
        "renewal_notice_days": "90",
        "renewal_rule": "by_amendment",
    }
    return {**form, **changes}


@pytest.fixture
def facilitator(table, login_as):
    return login_as(table.facilitator.user)


@pytest.fixture
def sent(make, table, db):
    agreement = make.agreement(
        table.partnership,
        [table.school, table.police],
        title="Denver IGA",
        purpose="Transparency.",
        effective_on=TODAY - timedelta(days=10),
        expires_on=TODAY + timedelta(days=355),
        sent=True,
    )
    db.commit()
    return agreement


def party_of(reload, agreement, agency):
    return next(p for p in reload(agreement).parties if p.partner_agency_id == agency.id)


def events(db, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_facilitator_drafts_an_agreement_with_every_agency_as_party(facilitator, table, db, reload):
    page = facilitator.get(agreements_url(table, "new"))
    assert page.status_code == 200
    assert page.get_data(as_text=True).count("checked") == 2  # both agencies, by default

    response = facilitator.post(agreements_url(table, "new"), data=terms(table))

    agreement = db.scalars(select(Agreement)).one()
    assert response.headers["Location"].endswith(agreements_url(table, agreement.id))
    assert {p.partner_agency_id for p in reload(agreement).parties} == {
        table.school.id,
        table.police.id,
    }
    assert events(db, "agreement.created")[0].partnership_id == table.partnership.id
    shown = facilitator.get(agreements_url(table, agreement.id)).get_data(as_text=True)
    assert "Denver IGA on school resource officers" in shown
    assert "Draft" in shown


def test_expiry_before_effective_date_is_refused_next_to_the_field(facilitator, table, db):
    response = facilitator.post(
        agreements_url(table, "new"),
        data=terms(table, expires_on=(TODAY - timedelta(days=20)).isoformat()),
    )
    assert response.status_code == 200
    assert b"must come after the effective date" in response.data
    assert b"Denver IGA on school resource officers" in response.data
    assert db.scalars(select(Agreement)).all() == []


@pytest.mark.parametrize(
    "bad",
    [
        {"kind": "treaty"},
        {"renewal_rule": "forever"},
        {"renewal_notice_days": "-5"},
        {"effective_on": "31/31/2026"},
        {"parties": ["999999"]},
        {"title": ""},
    ],
)
def test_bad_input_is_a_message_not_an_error(facilitator, table, db, bad):
    response = facilitator.post(agreements_url(table, "new"), data=terms(table, **bad))
    assert response.status_code == 200
    assert db.scalars(select(Agreement)).all() == []


def test_agency_of_another_partnership_cannot_be_a_party(facilitator, make, table, db):
    elsewhere = make.agency(make.partnership(name="Elsewhere"))
    db.commit()
    response = facilitator.post(
        agreements_url(table, "new"), data=terms(table, parties=[elsewhere.id])
    )
    assert response.status_code == 200
    assert db.scalars(select(Agreement)).all() == []


def test_agreement_covers_flows_of_its_own_matrix_only(facilitator, make, table, db, reload):
    covered = make.flow(table.school, table.police)
    elsewhere = make.partnership(name="Elsewhere")
    foreign = make.flow(make.agency(elsewhere), to_role="Probation officer")
    db.commit()
    page = facilitator.get(agreements_url(table, "new")).get_data(as_text=True)
    assert "Denver Public Schools → Denver Police Department" in page

    facilitator.post(agreements_url(table, "new"), data=terms(table, flows=[foreign.id]))
    assert db.scalars(select(Agreement)).all() == []
    facilitator.post(agreements_url(table, "new"), data=terms(table, flows=[covered.id]))
    agreement = reload(db.scalars(select(Agreement)).one())
    assert [f.id for f in agreement.flows] == [covered.id]


def test_sending_needs_an_effective_date(facilitator, make, table, db, reload):
    draft = make.agreement(table.partnership, [table.school], purpose="Sharing.")
    db.commit()
    facilitator.post(agreements_url(table, draft.id, "send"), follow_redirects=True)
    assert reload(draft).sent_for_signature_at is None


def test_sent_agreement_terms_are_locked(facilitator, make, table, db, reload):
    draft = make.agreement(
        table.partnership, [table.school], purpose="Sharing.", effective_on=TODAY, written=True
    )
    db.commit()
    facilitator.post(agreements_url(table, draft.id, "send"))
    assert reload(draft).sent_for_signature_at is not None

    response = facilitator.post(
        agreements_url(table, draft.id, "edit"), data=terms(table, title="Quietly changed")
    )
    assert response.status_code == 302
    assert reload(draft).title != "Quietly changed"
    assert facilitator.post(agreements_url(table, draft.id, "delete")).status_code == 302
    assert db.get(Agreement, draft.id) is not None


def test_draft_can_be_edited_and_discarded(facilitator, make, table, db):
    draft = make.agreement(table.partnership, [table.school])
    db.commit()
    facilitator.post(agreements_url(table, draft.id, "edit"), data=terms(table, parties=[]))
    db.expire_all()
    assert db.get(Agreement, draft.id).title == "Denver IGA on school resource officers"
    facilitator.post(agreements_url(table, draft.id, "delete"))
    db.expire_all()
    assert db.scalars(select(Agreement)).all() == []
    assert len(events(db, "agreement.discarded")) == 1


def test_signatory_records_their_own_agencys_signature(client, login_as, table, sent, db, reload):
    login_as(table.superintendent.user)
    party = party_of(reload, sent, table.school)
    url = agreements_url(table, sent.id, "parties", party.id, "sign")
    form = client.get(url)
    assert b"Sam Superintendent" in form.data  # filled in for them

    response = client.post(
        url,
        data={
            "signer_name": "Sam Superintendent",
            "signer_title": "Superintendent",
            "signed_on": TODAY.isoformat(),
        },
    )
    assert response.status_code == 302
    party = party_of(reload, sent, table.school)
    assert party.signer_name == "Sam Superintendent"
    assert party.recorded_by_id == table.superintendent.user_id
    assert agreement_status(reload(sent), TODAY) is AgreementStatus.OUT_FOR_SIGNATURE


@pytest.mark.parametrize("who", ["chief", "officer", "observer"])
def test_others_cannot_sign_for_an_agency(client, login_as, table, sent, reload, who):
    login_as(getattr(table, who).user)
    party = party_of(reload, sent, table.school)
    url = agreements_url(table, sent.id, "parties", party.id, "sign")
    data = {"signer_name": "X", "signer_title": "Y", "signed_on": TODAY.isoformat()}
    assert client.post(url, data=data).status_code == 403
    assert party_of(reload, sent, table.school).signature is None


def test_signature_cannot_be_dated_in_the_future(facilitator, table, sent, reload):
    party = party_of(reload, sent, table.police)
    response = facilitator.post(
        agreements_url(table, sent.id, "parties", party.id, "sign"),
        data={
            "signer_name": "Cruz Chief",
            "signer_title": "Chief",
            "signed_on": (TODAY + timedelta(days=2)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert b"cannot be in the future" in response.data
    assert party_of(reload, sent, table.police).signature is None


def test_draft_cannot_be_signed(facilitator, make, table, db, reload):
    draft = make.agreement(table.partnership, [table.school], effective_on=TODAY)
    db.commit()
    party = reload(draft).parties[0]
    response = facilitator.post(
        agreements_url(table, draft.id, "parties", party.id, "sign"),
        data={"signer_name": "A", "signer_title": "B", "signed_on": TODAY.isoformat()},
    )
    assert b"only once it is sent for signature" in response.data
    assert reload(draft).parties[0].signatures == []


def test_correcting_a_signature_keeps_the_first_record(facilitator, make, table, sent, db, reload):
    first = make.signature(party_of(reload, sent, table.police), name="Wrong Name")
    db.commit()
    party = party_of(reload, sent, table.police)
    url = agreements_url(table, sent.id, "parties", party.id, "sign")
    data = {"signer_name": "Cruz Chief", "signer_title": "Chief", "signed_on": TODAY.isoformat()}

    without_reason = facilitator.post(url, data=data)
    assert b"say what the new record corrects" in without_reason.data

    facilitator.post(url, data={**data, "correction": "Misspelt name"})
    party = party_of(reload, sent, table.police)
    assert [s.signer_name for s in party.signatures] == ["Wrong Name", "Cruz Chief"]
    assert party.signer_name == "Cruz Chief"
    old = db.get(AgreementSignature, first.id)
    assert old.signed_on == first.signed_on and old.signer_name == "Wrong Name"
    assert old.withdrawal_reason == "Corrected: Misspelt name"
    assert len(events(db, "agreement.signature_corrected")) == 1


def test_withdrawn_signature_stays_on_file(facilitator, make, table, sent, db, reload):
    make.signature(party_of(reload, sent, table.police))
    db.commit()
    party = party_of(reload, sent, table.police)
    url = agreements_url(table, sent.id, "parties", party.id, "withdraw")
    assert b"required" in facilitator.post(url, data={"reason": ""}).data.lower()
    facilitator.post(url, data={"reason": "Signed the wrong version"})
    party = party_of(reload, sent, table.police)
    assert party.signature is None
    assert party.signatures[0].withdrawal_reason == "Signed the wrong version"
    page = facilitator.get(agreements_url(table, sent.id)).get_data(as_text=True)
    assert "Signed the wrong version" in page


def test_every_party_signing_makes_it_active(facilitator, table, sent, reload):
    for agency, name in ((table.school, "Sam"), (table.police, "Cruz")):
        party = party_of(reload, sent, agency)
        facilitator.post(
            agreements_url(table, sent.id, "parties", party.id, "sign"),
            data={"signer_name": name, "signer_title": "Head", "signed_on": TODAY.isoformat()},
        )
    assert agreement_status(reload(sent), TODAY) is AgreementStatus.ACTIVE
    assert b"Active" in facilitator.get(agreements_url(table, sent.id)).data


def test_termination_needs_a_reason_and_ends_it(facilitator, make, table, db, reload):
    active = make.agreement(
        table.partnership,
        [table.school],
        effective_on=TODAY - timedelta(days=30),
        expires_on=TODAY + timedelta(days=300),
        signed=True,
    )
    db.commit()
    url = agreements_url(table, active.id, "terminate")
    refused = facilitator.post(url, data={"terminated_on": TODAY.isoformat(), "reason": ""})
    assert refused.status_code == 200
    assert reload(active).terminated_on is None

    facilitator.post(url, data={"terminated_on": TODAY.isoformat(), "reason": "Program ended"})
    agreement = reload(active)
    assert agreement_status(agreement, TODAY) is AgreementStatus.TERMINATED
    assert agreement.termination_reason == "Program ended"
    again = facilitator.post(url, data={"terminated_on": TODAY.isoformat(), "reason": "Again"})
    assert b"cannot be terminated" in again.data


def test_renewal_drafts_a_successor_carrying_parties_and_terms(
    facilitator, make, table, db, reload
):
    active = make.agreement(
        table.partnership,
        [table.school, table.police],
        title="Denver IGA",
        purpose="Transparency.",
        effective_on=date(2025, 12, 1),
        expires_on=TODAY + timedelta(days=20),
        notice_days=60,
        legal_bases=["ferpa_consent"],
        data_categories=["attendance"],
        flows=[make.flow(table.school, table.police)],
        signed=True,
    )
    db.commit()
    response = facilitator.post(agreements_url(table, active.id, "renew"))

    successor = db.scalars(select(Agreement).where(Agreement.predecessor_id == active.id)).one()
    assert response.headers["Location"].endswith(agreements_url(table, successor.id, "edit"))
    covered = [f.id for f in reload(active).flows]
    successor = reload(successor)
    assert successor.title == "Denver IGA"
    assert successor.purpose == "Transparency."
    assert successor.legal_bases == ["ferpa_consent"]
    assert successor.data_categories == ["attendance"]
    assert [f.id for f in successor.flows] == covered != []
    assert successor.renewal_notice_days == 60
    assert successor.effective_on == active.expires_on
    assert successor.expires_on - successor.effective_on == active.expires_on - date(2025, 12, 1)
    assert {p.partner_agency_id for p in successor.parties} == {table.school.id, table.police.id}
    assert all(p.signature is None for p in successor.parties)
    assert agreement_status(successor, TODAY) is AgreementStatus.DRAFT
    assert agreement_status(reload(active), TODAY) is AgreementStatus.RENEWED
    twice = facilitator.post(agreements_url(table, active.id, "renew"), follow_redirects=True)
    assert b"cannot be renewed" in twice.data


def test_agreement_of_another_partnership_is_not_found(facilitator, make, table, db):
    other = make.partnership(make.user(), name="Grossmont")
    foreign = make.agreement(other, [make.agency(other)], effective_on=TODAY, signed=True)
    db.commit()
    assert facilitator.get(agreements_url(table, foreign.id)).status_code == 404
    assert facilitator.post(agreements_url(table, foreign.id, "renew")).status_code == 404
    own = make.agreement(table.partnership, [table.school], effective_on=TODAY, sent=True)
    db.commit()
    foreign_party = db.scalars(
        select(AgreementParty.id).where(AgreementParty.agreement_id == foreign.id)
    ).one()
    url = agreements_url(table, own.id, "parties", foreign_party, "sign")
    assert facilitator.get(url).status_code == 404


def test_list_shows_expiring_agreements_first(facilitator, make, table, db):
    make.agreement(table.partnership, [table.school], title="A draft")
    make.agreement(
        table.partnership,
        [table.school],
        title="B active",
        effective_on=TODAY - timedelta(days=30),
        expires_on=TODAY + timedelta(days=300),
        signed=True,
    )
    make.agreement(
        table.partnership,
        [table.school],
        title="C expiring",
        effective_on=TODAY - timedelta(days=300),
        expires_on=TODAY + timedelta(days=30),
        signed=True,
    )
    db.commit()
    page = facilitator.get(agreements_url(table)).get_data(as_text=True)
    assert page.index("C expiring") < page.index("B active") < page.index("A draft")
    assert "Expiring" in page


def test_list_loads_in_a_fixed_number_of_queries(facilitator, make, table, db, count_queries):
    def add(n):
        for i in range(n):
            make.agreement(
                table.partnership,
                [table.school, table.police],
                title=f"Agreement {i}",
                effective_on=TODAY,
                signed=True,
            )
        db.commit()

    add(2)
    with count_queries() as few:
        facilitator.get(agreements_url(table))
    add(6)
    with count_queries() as many:
        facilitator.get(agreements_url(table))
    assert len(many) == len(few)


def test_empty_list_says_what_to_do(client, login_as, table):
    login_as(table.observer.user)
    page = client.get(agreements_url(table)).get_data(as_text=True)
    assert "No agreements yet" in page
    assert "Draft an agreement" not in page


def test_recorded_times_show_in_the_partnership_zone_and_the_viewers(
    facilitator, make, table, sent, db, reload
):
    signature = make.signature(party_of(reload, sent, table.school))
    signature.recorded_at = datetime(2026, 11, 24, 3, 30, tzinfo=UTC)
    db.commit()
    page = facilitator.get(agreements_url(table, sent.id)).get_data(as_text=True)
    assert "Mon 23 Nov 2026, 20:30" in page  # Denver
    assert "(03:30 your time)" in page  # the facilitator's own zone is UTC


def test_agreement_page_loads_in_a_fixed_number_of_queries(
    facilitator, make, table, db, count_queries
):
    small = make.agreement(table.partnership, [table.school], effective_on=TODAY, signed=True)
    agencies = [make.agency(table.partnership) for _ in range(5)]
    large = make.agreement(
        table.partnership, [table.school, table.police, *agencies], effective_on=TODAY, signed=True
    )
    for agreement in (small, large):
        make.agreement_document(agreement)
    db.commit()
    with count_queries() as few:
        assert facilitator.get(agreements_url(table, small.id)).status_code == 200
    with count_queries() as many:
        assert facilitator.get(agreements_url(table, large.id)).status_code == 200
    assert len(many) == len(few)


def test_facilitator_records_two_signatures_in_one_step_on_the_agencies_behalf(
    facilitator, table, sent, db, reload
):
    school, police = party_of(reload, sent, table.school), party_of(reload, sent, table.police)
    show = facilitator.get(agreements_url(table, sent.id)).text
    assert "Record several signatures" in show
    url = agreements_url(table, sent.id, "signatures")
    page = facilitator.get(url).text
    assert f'name="record_{school.id}"' in page and f'name="record_{police.id}"' in page

    missing = facilitator.post(
        url,
        data={f"record_{school.id}": "y", f"name_{school.id}": "Sam Superintendent",
              "signed_on": TODAY.isoformat()},
    )  # fmt: skip
    assert missing.status_code == 200
    assert "Say who signed, as on the signed copy." in missing.text
    assert 'value="Sam Superintendent"' in missing.text  # what was typed stays
    assert party_of(reload, sent, table.school).signature is None

    done = facilitator.post(
        url,
        data={
            f"record_{school.id}": "y",
            f"name_{school.id}": "Sam Superintendent",
            f"title_{school.id}": "Superintendent",
            f"record_{police.id}": "y",
            f"name_{police.id}": "Cruz Chief",
            f"title_{police.id}": "Chief of Police",
            "signed_on": TODAY.isoformat(),
        },
        follow_redirects=True,
    )
    assert "Recorded 2 signatures." in done.text
    assert agreement_status(reload(sent), TODAY) is AgreementStatus.ACTIVE
    summaries = sorted(e.summary for e in events(db, "agreement.signed"))
    assert all("recorded by Fran Facilitator on behalf of Denver" in s for s in summaries)
    assert len(summaries) == 2


def test_nothing_chosen_records_nothing_and_others_record_only_their_own(
    client, login_as, table, sent, reload
):
    url = agreements_url(table, sent.id, "signatures")
    login_as(table.facilitator.user)
    refused = client.post(url, data={"signed_on": TODAY.isoformat()})
    assert "Choose at least one agency" in refused.text
    login_as(table.chief.user)
    page = client.get(url).text
    police = party_of(reload, sent, table.police)
    school = party_of(reload, sent, table.school)
    assert f'name="record_{police.id}"' in page and f'name="record_{school.id}"' not in page
    client.post(
        url,
        data={f"record_{school.id}": "y", f"name_{school.id}": "X", f"title_{school.id}": "Y",
              "signed_on": TODAY.isoformat()},
    )  # fmt: skip
    assert party_of(reload, sent, table.school).signature is None
    login_as(table.observer.user)
    assert client.get(url).status_code == 403


def test_a_signatory_recording_their_own_signature_is_not_on_behalf(
    client, login_as, table, sent, db, reload
):
    login_as(table.superintendent.user)
    party = party_of(reload, sent, table.school)
    client.post(
        agreements_url(table, sent.id, "parties", party.id, "sign"),
        data={"signer_name": "Sam Superintendent", "signer_title": "Superintendent",
              "signed_on": TODAY.isoformat()},
    )  # fmt: skip
    [event] = events(db, "agreement.signed")
    assert "on behalf" not in event.summary and event.details["on_behalf"] is False
