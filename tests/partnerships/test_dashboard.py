"""The dashboard, overview and roster: attention items, and query counts that do not grow."""

import pytest

from partnerhub.partnerships.models import CORE_SECTORS, Role, Sector


def test_dashboard_lists_my_partnerships_with_role_stage_and_attention(client, make, db, login_as):
    me = make.user("Fiona Facilitator")
    mine = make.partnership(me, name="Helena Youth Partnership")
    make.agency(mine, "Helena Police", Sector.LAW_ENFORCEMENT)
    observed = make.partnership(make.user(), name="Grossmont Partnership")
    make.member(observed, me, Role.OBSERVER)
    make.partnership(make.user(), name="Denver Partnership")
    db.commit()

    page = login_as(me).get("/").get_data(as_text=True)

    assert "Helena Youth Partnership" in page and "Grossmont Partnership" in page
    assert "Denver Partnership" not in page
    assert "you are facilitator" in page and "you are observer" in page
    assert "Helena Police has no liaison" in page
    assert "No agency yet for Schools, Juvenile justice" in page


def test_dashboard_empty_state_offers_a_new_partnership(client, make, db, login_as):
    user = make.user()
    db.commit()
    page = login_as(user).get("/").get_data(as_text=True)
    assert "not on any partnership" in page and "New partnership" in page


def grow(make, user, partnerships: int, people: int):
    """`partnerships` partnerships for `user`, each with every core agency and `people` members."""
    made = []
    for _ in range(partnerships):
        partnership = make.partnership(user)
        agencies = [make.agency(partnership, sector=s) for s in CORE_SECTORS]
        for n in range(people):
            member = make.member(
                partnership, agency=agencies[n % 5], position="Liaison", legal_advisor=n % 3 == 0
            )
            if n < 5:
                agencies[n].liaison_id = member.id
        made.append(partnership)
    return made


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/partnerships/{id}",
        "/partnerships/{id}/roster",
        "/partnerships/{id}/agencies",
        "/partnerships/{id}/stages",
        "/partnerships/{id}/activity",
        "/partnerships/{id}/roster.csv",
    ],
)
def test_pages_run_the_same_number_of_queries_however_large(
    client, make, db, login_as, count_queries, path
):
    counts = []
    for size in (1, 4, 16):
        user = make.user()
        partnership = grow(make, user, partnerships=size, people=size)[0]
        db.commit()
        login_as(user)
        url = path.format(id=partnership.id)
        client.get(url)  # warm the login session's sliding window
        with count_queries() as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] == counts[2], counts
