"""Whatever a facilitator types into the partnership forms, the answer is a page, not a 500."""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from partnerhub.partnerships.models import Partnership

FORMS = {
    "/partnerships/new": ("name", "community", "purpose", "timezone", "absence_flag_after"),
    "/partnerships/{id}/edit": ("name", "community", "purpose", "timezone", "absence_flag_after"),
    "/partnerships/{id}/agencies/new": ("organization", "name", "sector", "sector_label"),
    "/partnerships/{id}/invitations/new": (
        "email", "name", "role", "agency", "position", "is_legal_advisor",
    ),
    "/partnerships/{id}/sectors/school/absence": ("reason",),
    "/partnerships/{id}/stage/advance": ("reason",),
}  # fmt: skip

typed = st.one_of(
    st.text(max_size=300),
    st.sampled_from(["", " ", "0", "-1", "99999999999999999999", "other", "America/Denver"]),
)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(path=st.sampled_from(sorted(FORMS)), values=st.lists(typed, min_size=6, max_size=6))
def test_any_input_gets_a_page_or_a_redirect(facilitated, db, path, values):
    data = dict(zip(FORMS[path], values, strict=False))
    url = path.format(id=facilitated.partnership.id)
    response = facilitated.client.post(url, data=data)
    assert response.status_code in (200, 302), (url, data, response.status_code)
    db.rollback()
    assert db.query(Partnership).count() >= 1
