"""Site administration of accounts under /admin/users."""

from __future__ import annotations

from partnerhub.audit.models import AuditEvent
from partnerhub.auth.models import User, UserSession
from tests.auth.conftest import link_in

NEW_PASSWORD = "a brand new long passphrase"


def test_admin_lists_every_account_in_a_fixed_number_of_queries(make, db, logged_in, count_queries):
    browser = logged_in(make.user("Ada Admin", admin=True))
    with count_queries() as few:
        browser.get("/admin/users")
    for _ in range(20):
        make.user()
    db.commit()
    with count_queries() as many:
        page = browser.get("/admin/users").get_data(as_text=True)
    assert len(many) == len(few)
    assert page.count("Deactivate") == 20
    assert "Ada Admin" in page and "(you)" in page


def test_created_user_chooses_a_password_from_the_welcome_email(
    app, smtp, make, db, logged_in, deliver_outbox
):
    browser = logged_in(make.user("Ada Admin", admin=True))
    response = browser.post(
        "/admin/users/new",
        data={"email": "New.Person@Example.org", "name": "Nia New", "timezone": "America/Chicago"},
    )
    assert response.status_code == 302

    user = db.query(User).filter_by(email="new.person@example.org").one()
    assert (user.name, user.timezone, user.is_admin, user.password_hash) == (
        "Nia New",
        "America/Chicago",
        False,
        None,
    )
    assert deliver_outbox().sent == 1
    [message] = smtp.messages
    assert message["Subject"] == "Your PartnerHub account"
    assert (
        "Ada Admin created a PartnerHub account for you"
        in message.get_body(("plain",)).get_content()
    )
    link = link_in(message.get_body(("plain",)).get_content())
    newcomer = app.test_client()
    newcomer.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert (
        newcomer.post(
            "/login", data={"email": "new.person@example.org", "password": NEW_PASSWORD}
        ).status_code
        == 302
    )
    assert db.query(AuditEvent).filter_by(action="user.created").count() == 1


def test_duplicate_email_in_any_case_is_refused_next_to_the_field(
    make, db, logged_in, mailbox, deliver_outbox
):
    make.user(email="dana@example.org")
    browser = logged_in(make.user(admin=True))
    response = browser.post(
        "/admin/users/new",
        data={"email": "DANA@example.org", "name": "Dana Again", "timezone": "UTC"},
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "already exists" in page
    assert 'value="Dana Again"' in page
    assert db.query(User).count() == 2
    deliver_outbox()
    assert mailbox() == []


def test_deactivation_logs_the_user_out_and_reactivation_lets_them_back(app, make, db, logged_in):
    dana = make.user(email="dana@example.org")
    admin = logged_in(make.user(admin=True))
    dana_browser = logged_in(dana)

    admin.post(f"/admin/users/{dana.id}/deactivate")

    assert dana_browser.get("/").status_code == 302
    assert db.query(UserSession).filter_by(user_id=dana.id).count() == 0
    assert admin.post(f"/admin/users/{dana.id}/reactivate").status_code == 302
    logged_in(dana)


def test_admin_grants_and_revokes_administration(make, db, logged_in):
    dana = make.user()
    admin = logged_in(make.user(admin=True))
    admin.post(f"/admin/users/{dana.id}/grant-admin")
    db.expire_all()
    assert db.get(User, dana.id).is_admin
    admin.post(f"/admin/users/{dana.id}/revoke-admin")
    db.expire_all()
    assert not db.get(User, dana.id).is_admin


def test_admin_cannot_revoke_or_deactivate_themselves(make, db, logged_in):
    me = make.user(admin=True)
    browser = logged_in(me)
    for action in ("revoke-admin", "deactivate"):
        response = browser.post(f"/admin/users/{me.id}/{action}", follow_redirects=True)
        assert "ask another administrator" in response.get_data(as_text=True)
    db.expire_all()
    assert db.get(User, me.id).is_admin and db.get(User, me.id).is_active


def test_unknown_user_is_404(make, db, logged_in):
    browser = logged_in(make.user(admin=True))
    assert browser.post("/admin/users/99999/deactivate").status_code == 404
