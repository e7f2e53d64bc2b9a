"""The agreements list counts signatures in SQL and one agreement loads in a fixed few queries,
whatever the number of agreements, parties, signatures, documents and flows; the list comes a
page at a time, its statuses the same as those computed from every loaded signature."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.orm.util import identity_key

from partnerhub.agreements.models import (
    Agreement,
    AgreementParty,
    AgreementSignature,
    AgreementStatus,
    RenewalRule,
)
from partnerhub.agreements.services import (
    Signing,
    agreement_rows,
    agreement_status,
    agreements_due,
    days_before,
)
from partnerhub.pagination import PER_PAGE
from partnerhub.partnerships.models import Sector
from tests.clock import TODAY

MOST_QUERIES = 10
EFFECTIVE = date(2025, 7, 1)


def url(table, path=""):
    return f"/partnerships/{table.partnership.id}{path}"


def queries_for(client, count_queries, path: str) -> int:
    with count_queries() as statements:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(statements)


def withdraw(db, party: AgreementParty, reason: str) -> None:
    """Withdraw the party's signature on file."""
    for signature in db.scalars(
        select(AgreementSignature).where(
            AgreementSignature.party_id == party.id, AgreementSignature.withdrawn_at.is_(None)
        )
    ):
        signature.withdrawn_at = datetime(2025, 7, 2, tzinfo=UTC)
        signature.withdrawal_reason = reason
    db.flush()


def parties_of(db, agreement) -> list[AgreementParty]:
    return list(
        db.scalars(select(AgreementParty).where(AgreementParty.agreement_id == agreement.id))
    )


def withdraw_and_sign_again(make, db, agreement, times: int) -> None:
    """Each party's signature withdrawn and recorded again `times` times."""
    for party in parties_of(db, agreement):
        for _ in range(times):
            withdraw(db, party, "Signed the wrong copy.")
            make.signature(party, signed_on=EFFECTIVE)
    db.commit()


def more_of_everything(make, db, table, agreement, agencies: int, agreements: int) -> None:
    new = [make.agency(table.partnership, None, Sector.CHILD_WELFARE) for _ in range(agencies)]
    for agency in new:
        party = AgreementParty(agreement_id=agreement.id, partner_agency_id=agency.id)
        db.add(party)
        db.flush()
        make.signature(party, signed_on=EFFECTIVE)
    for _ in range(agencies):
        make.agreement_document(agreement)
    for n in range(agreements):
        make.agreement(
            table.partnership,
            [table.school, table.police, *new],
            effective_on=EFFECTIVE,
            expires_on=EFFECTIVE + timedelta(days=365 * (1 + n % 3)),
            signed=n % 2 == 0,
            sent=True,
        )
    db.commit()


def test_agreement_pages_stay_within_ten_queries_however_much_data(
    client, login_as, make, db, table, count_queries
):
    flows = [make.flow(table.school, table.police), make.flow(table.police)]
    first = make.agreement(
        table.partnership,
        [table.school, table.police],
        effective_on=EFFECTIVE,
        expires_on=date(2026, 7, 1),
        signed=True,
        flows=flows,
    )
    renewal = make.agreement(table.partnership, [table.school], predecessor_id=first.id)
    make.agreement_document(first)
    db.commit()
    login_as(table.facilitator.user)
    pages = [
        url(table, "/agreements"),
        url(table, f"/agreements/{first.id}"),
        url(table, f"/agreements/{renewal.id}"),
    ]
    small = {path: queries_for(client, count_queries, path) for path in pages}
    assert max(small.values()) <= MOST_QUERIES, small

    withdraw_and_sign_again(make, db, first, 3)
    more_of_everything(make, db, table, first, agencies=8, agreements=PER_PAGE + 5)
    large = {path: queries_for(client, count_queries, path) for path in pages}
    assert large == small


def test_statuses_counted_in_sql_match_those_from_loaded_signatures(make, db, table, reload):
    parties = [table.school, table.police]
    signed = make.agreement(
        table.partnership,
        parties,
        effective_on=EFFECTIVE,
        expires_on=TODAY + timedelta(days=30),
        signed=True,
    )
    made = {
        "draft": make.agreement(table.partnership, parties),
        "no parties": make.agreement(table.partnership, [], sent=True),
        "awaiting": make.agreement(table.partnership, parties, sent=True),
        "expiring": signed,
        "expired": make.agreement(
            table.partnership,
            parties,
            effective_on=date(2024, 1, 1),
            expires_on=date(2025, 1, 1),
            signed=True,
        ),
        "automatic": make.agreement(
            table.partnership,
            parties,
            effective_on=date(2024, 1, 1),
            expires_on=date(2025, 1, 1),
            renewal_rule=RenewalRule.AUTOMATIC,
            signed=True,
        ),
        "open-ended": make.agreement(
            table.partnership, parties, effective_on=EFFECTIVE, signed=True
        ),
        "not yet effective": make.agreement(
            table.partnership, parties, effective_on=TODAY + timedelta(days=5), signed=True
        ),
        "terminated": make.agreement(
            table.partnership,
            parties,
            effective_on=EFFECTIVE,
            signed=True,
            terminated_on=TODAY,
        ),
        "renewed": make.agreement(table.partnership, parties, effective_on=EFFECTIVE, signed=True),
        "withdrawn": make.agreement(
            table.partnership, parties, effective_on=EFFECTIVE, signed=True
        ),
    }
    make.agreement(table.partnership, parties, predecessor_id=made["renewed"].id)
    withdraw_and_sign_again(make, db, made["withdrawn"], 2)
    withdraw(db, parties_of(db, made["withdrawn"])[0], "Authority revoked.")
    db.commit()

    rows = {row.agreement.id: row for row in agreement_rows(db, table.partnership.id, TODAY)}
    for name, agreement in made.items():
        loaded = reload(agreement)
        assert rows[agreement.id].signing == Signing.of(loaded), name
        assert rows[agreement.id].status is agreement_status(loaded, TODAY), name
    assert {rows[a.id].status for a in made.values()} >= {
        AgreementStatus.DRAFT,
        AgreementStatus.OUT_FOR_SIGNATURE,
        AgreementStatus.SIGNED,
        AgreementStatus.ACTIVE,
        AgreementStatus.EXPIRING,
        AgreementStatus.EXPIRED,
        AgreementStatus.RENEWED,
        AgreementStatus.TERMINATED,
    }
    assert rows[made["withdrawn"].id].signing == Signing(parties=2, signed=1, renewed=False)


def test_the_agreements_list_comes_a_page_at_a_time(client, login_as, make, db, table):
    for n in range(PER_PAGE + 2):
        make.agreement(table.partnership, [table.school], title=f"Agreement no. {n:03d}")
    db.commit()
    login_as(table.observer.user)
    first = client.get(url(table, "/agreements")).text
    assert "Agreement no. 000" in first and f"Agreement no. {PER_PAGE:03d}" not in first
    assert "0 of 1" in first
    second = client.get(url(table, "/agreements?page=2")).text
    assert f"Agreement no. {PER_PAGE:03d}" in second and "Agreement no. 000" not in second


@pytest.mark.parametrize("raw", ["abc", "-1", "0", "99999999999999999999", "%00"])
def test_a_bad_page_number_shows_the_first_agreements(client, login_as, make, db, table, raw):
    make.agreement(table.partnership, [table.school], title="Denver MOU")
    db.commit()
    login_as(table.observer.user)
    response = client.get(url(table, f"/agreements?page={raw}"))
    assert response.status_code == 200
    assert "Denver MOU" in response.text


def test_a_page_past_the_last_agreement_says_so(client, login_as, make, db, table):
    make.agreement(table.partnership, [table.school], title="Denver MOU")
    db.commit()
    login_as(table.observer.user)
    page = client.get(url(table, "/agreements?page=2")).text
    assert "No agreements on this page." in page and "Denver MOU" not in page


def test_agreements_outside_their_notice_window_are_never_loaded(make, db, table):
    parties = [table.school, table.police]
    due = make.agreement(
        table.partnership,
        parties,
        effective_on=EFFECTIVE,
        expires_on=TODAY + timedelta(days=30),
        signed=True,
    )
    later = make.agreement(
        table.partnership,
        parties,
        effective_on=EFFECTIVE,
        expires_on=TODAY + timedelta(days=400),
        signed=True,
    )
    db.commit()
    db.expunge_all()
    assert [a.id for a in agreements_due(db, TODAY, [table.partnership.id])] == [due.id]
    assert db.identity_map.get(identity_key(Agreement, later.id)) is None


@pytest.mark.parametrize("url", ["sqlite://", None])
def test_days_before_is_date_arithmetic_in_each_database(db, url):
    """The notice window's opening day, computed by SQLite and by the test database."""
    engine = sa.create_engine(url) if url else db.get_bind()
    query = select(days_before(sa.literal(date(2026, 3, 7), sa.Date), sa.literal(30)))
    with engine.connect() as connection:
        opened = connection.scalar(query)
    assert str(opened) == "2026-02-05"
