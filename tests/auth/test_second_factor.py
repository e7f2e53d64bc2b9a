"""A second factor: TOTP codes from an authenticator app, and one-time recovery codes.

Every test runs on one frozen clock; codes are computed here with pyotp, as a phone would.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
import time_machine

from partnerhub.audit.models import AuditEvent
from partnerhub.auth import second_factor, services
from partnerhub.auth.models import PendingLogin, RecoveryCode, User, UserSession
from partnerhub.config import load_config
from partnerhub.errors import DomainError, PermissionDenied
from partnerhub.web import CONTENT_SECURITY_POLICY
from tests.factories import PASSWORD

NOW = datetime(2027, 3, 14, 15, 9, 26, tzinfo=UTC)
STEP = timedelta(seconds=30)


def code_at(secret: str, when: datetime) -> str:
    """The code an authenticator app shows at `when`."""
    return pyotp.TOTP(secret).at(when)


@pytest.fixture
def clock():
    """The web app's clock, frozen at NOW; `clock.shift(STEP)` moves it on."""
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def enrolled(db):
    """Turn on the second factor for `user` an hour before NOW; returns (secret, codes)."""

    def enrol(user: User) -> tuple[str, list[str]]:
        secret = second_factor.begin_enrolment(db, user)
        earlier = NOW - timedelta(hours=1)
        codes = second_factor.confirm_enrolment(db, user, code_at(secret, earlier), earlier)
        db.commit()
        return secret, codes

    return enrol


@pytest.fixture
def logged_in_with_code(app, db):
    """Log a fresh test client in through both steps, at NOW; returns the client."""

    def log_in_twice(user: User, secret: str):
        db.commit()
        browser = app.test_client()
        assert log_in(browser, user.email).status_code == 302
        assert enter_code(browser, code_at(secret, NOW)).status_code == 302
        return browser

    return log_in_twice


@pytest.fixture
def admins_need_it(app):
    app.config["REQUIRE_2FA_FOR_ADMINS"] = True
    return app


def log_in(client, email, password=PASSWORD, **extra):
    return client.post("/login", data={"email": email, "password": password, **extra})


def enter_code(client, code, **extra):
    return client.post("/login/code", data={"code": code}, **extra)


# --- enrolment (services, fixed clock) ---------------------------------------------------


def test_enrolment_is_active_only_once_a_code_is_confirmed(make, db):
    user = make.user()
    glimpsed = second_factor.begin_enrolment(db, user)
    secret = second_factor.begin_enrolment(db, user)  # the page shown again: a new secret
    assert secret != glimpsed and len(secret) == 32
    assert not second_factor.is_enabled(user)
    with pytest.raises(DomainError, match="not right"):
        second_factor.confirm_enrolment(db, user, code_at(glimpsed, NOW), NOW)

    with pytest.raises(DomainError, match="not right"):
        second_factor.confirm_enrolment(db, user, code_at(secret, NOW - 5 * STEP), NOW)
    assert not second_factor.is_enabled(user)

    codes = second_factor.confirm_enrolment(db, user, code_at(secret, NOW), NOW)
    assert second_factor.is_enabled(user)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert all(re.fullmatch(r"[0-9a-z]{4}(-[0-9a-z]{4}){3}", code) for code in codes)
    assert db.query(AuditEvent).filter_by(action="user.two_factor_enabled").count() == 1


def test_codes_of_the_previous_and_next_step_are_accepted_and_no_others(make, db, enrolled):
    user = make.user()
    secret, _codes = enrolled(user)
    for offset, accepted in ((-2, False), (-1, True), (0, True), (1, True), (2, False)):
        # each check on a fresh step, so the replay rule does not interfere
        now = NOW + 10 * offset * STEP
        code = code_at(secret, now + offset * STEP)
        assert second_factor.verify_code(db, user, code, now) is accepted, offset


def test_a_code_is_refused_a_second_time_and_so_is_an_older_one(make, db, enrolled):
    user = make.user()
    secret, _codes = enrolled(user)
    assert second_factor.verify_code(db, user, code_at(secret, NOW), NOW)
    assert not second_factor.verify_code(db, user, code_at(secret, NOW), NOW)
    assert not second_factor.verify_code(db, user, code_at(secret, NOW - STEP), NOW)
    assert second_factor.verify_code(db, user, code_at(secret, NOW + STEP), NOW + STEP)


def test_recovery_codes_are_stored_as_digests_and_work_once(make, db, enrolled):
    user = make.user()
    _secret, codes = enrolled(user)
    stored = [row.code_hash for row in db.query(RecoveryCode).filter_by(user_id=user.id)]
    assert len(stored) == 10
    for code in codes:
        assert not any(code.replace("-", "") in digest for digest in stored)

    typed = codes[3].upper().replace("-", " ").replace("0", "O")  # typed loosely
    assert second_factor.use_recovery_code(db, user, typed, NOW)
    assert not second_factor.use_recovery_code(db, user, codes[3], NOW)
    assert second_factor.recovery_codes_left(db, user) == 9
    event = db.query(AuditEvent).filter_by(action="user.recovery_code_used").one()
    assert "9 left" in event.summary


def test_new_recovery_codes_replace_the_old_ones_and_need_the_password(make, db, enrolled):
    user = make.user()
    _secret, old = enrolled(user)
    with pytest.raises(PermissionDenied):
        second_factor.regenerate_recovery_codes(db, user, "not my password", NOW)
    new = second_factor.regenerate_recovery_codes(db, user, PASSWORD, NOW)
    assert set(new).isdisjoint(old)
    assert not second_factor.use_recovery_code(db, user, old[0], NOW)
    assert second_factor.use_recovery_code(db, user, new[0], NOW)
    assert db.query(AuditEvent).filter_by(action="user.recovery_codes_replaced").count() == 1


def test_turning_it_off_needs_the_password_and_forgets_the_secret(make, db, enrolled):
    user = make.user()
    enrolled(user)
    with pytest.raises(PermissionDenied, match="not your current password"):
        second_factor.disable(db, user, "not my password", NOW, required_for_admins=True)
    assert second_factor.is_enabled(user)

    second_factor.disable(db, user, PASSWORD, NOW, required_for_admins=True)

    assert not second_factor.is_enabled(user) and user.totp_secret is None
    assert db.query(RecoveryCode).filter_by(user_id=user.id).count() == 0
    assert db.query(AuditEvent).filter_by(action="user.two_factor_disabled").count() == 1


def test_an_admin_keeps_it_when_it_is_required(make, db, enrolled):
    admin = make.user(admin=True)
    enrolled(admin)
    with pytest.raises(PermissionDenied, match="administrators"):
        second_factor.disable(db, admin, PASSWORD, NOW, required_for_admins=True)
    assert second_factor.is_enabled(admin)
    second_factor.disable(db, admin, PASSWORD, NOW, required_for_admins=False)
    assert not second_factor.is_enabled(admin)


def test_a_pending_login_lasts_five_minutes(make, db):
    user = make.user()
    token = second_factor.start_pending_login(db, user, NOW, remember=True)
    db.commit()
    assert second_factor.find_pending_login(db, token, NOW + timedelta(minutes=4)).user == user
    assert second_factor.find_pending_login(db, token, NOW + timedelta(minutes=5)) is None
    assert second_factor.find_pending_login(db, token[:-2] + "xx", NOW) is None


def test_a_password_reset_ends_pending_logins(make, db):
    user = make.user()
    token = second_factor.start_pending_login(db, user, NOW, remember=False)
    _reset, link = services.start_password_reset(db, user, NOW)
    services.reset_password(db, link, "a brand new long passphrase", NOW)
    db.commit()
    assert second_factor.find_pending_login(db, token, NOW) is None


def test_the_requirement_for_admins_is_on_unless_turned_off(monkeypatch, tmp_path):
    monkeypatch.delenv("PARTNERHUB_REQUIRE_2FA_FOR_ADMINS", raising=False)
    assert load_config({"INSTANCE_PATH": str(tmp_path)})["REQUIRE_2FA_FOR_ADMINS"] is True
    for off in ("0", "false", "no", "off"):
        monkeypatch.setenv("PARTNERHUB_REQUIRE_2FA_FOR_ADMINS", off)
        assert load_config({"INSTANCE_PATH": str(tmp_path)})["REQUIRE_2FA_FOR_ADMINS"] is False


# --- enrolment through the account pages ---------------------------------------------


def test_enrolment_page_shows_a_local_qr_code_and_the_secret_as_text(clock, make, db, logged_in):
    user = make.user(email="dana@example.org")
    browser = logged_in(user)
    response = browser.get("/account/two-factor")
    page = response.get_data(as_text=True)
    db.expire_all()
    secret = db.get(User, user.id).totp_secret
    assert "<svg" in page and "</svg>" in page
    assert re.sub(r"(.{4})", r"\1 ", secret).strip() in page
    assert "http" not in page.split("<svg", 1)[1].split("</svg>", 1)[0].replace(
        "http://www.w3.org", ""
    )
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["Cache-Control"] == "no-store"


def test_confirming_a_code_turns_it_on_shows_the_codes_once_and_logs_out_others(
    clock, make, db, logged_in
):
    user = make.user()
    other_device = logged_in(user)
    browser = logged_in(user)
    browser.get("/account/two-factor")
    db.expire_all()
    secret = db.get(User, user.id).totp_secret

    wrong = browser.post("/account/two-factor", data={"code": "000000"})
    assert wrong.status_code == 200 and "not right" in wrong.get_data(as_text=True)

    response = browser.post("/account/two-factor", data={"code": code_at(secret, NOW)})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    shown = re.findall(r"\b[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}-[0-9a-z]{4}\b", page)
    assert len(set(shown)) == 10
    db.expire_all()
    assert second_factor.is_enabled(db.get(User, user.id))
    assert browser.get("/account").status_code == 200
    assert other_device.get("/").status_code == 302
    account = browser.get("/account").get_data(as_text=True)
    assert "Two-factor authentication is on" in account
    assert shown[0] not in account and "10 recovery codes left" in account


def test_a_user_without_it_sees_how_to_turn_it_on(make, db, logged_in):
    account = logged_in(make.user()).get("/account").get_data(as_text=True)
    assert "Two-factor authentication is off" in account
    assert 'href="/account/two-factor"' in account


def test_turning_it_off_through_the_account_page_needs_the_password(
    clock, make, db, enrolled, logged_in_with_code
):
    user = make.user()
    browser = logged_in_with_code(user, enrolled(user)[0])
    refused = browser.post("/account/two-factor/disable", data={"password": "not mine"})
    assert refused.status_code == 200
    assert "not your current password" in refused.get_data(as_text=True)
    db.expire_all()
    assert second_factor.is_enabled(db.get(User, user.id))

    done = browser.post("/account/two-factor/disable", data={"password": PASSWORD})
    assert done.status_code == 302
    db.expire_all()
    assert not second_factor.is_enabled(db.get(User, user.id))


def test_new_recovery_codes_are_shown_once_on_the_page(
    clock, make, db, enrolled, logged_in_with_code
):
    user = make.user()
    secret, old = enrolled(user)
    browser = logged_in_with_code(user, secret)
    response = browser.post("/account/two-factor/recovery-codes", data={"password": PASSWORD})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert old[0] not in page
    assert len(set(re.findall(r"\b[0-9a-z]{4}(?:-[0-9a-z]{4}){3}\b", page))) == 10


# --- logging in with a second factor ----------------------------------------------------


def test_the_password_alone_does_not_log_in(clock, client, make, db, enrolled):
    user = make.user(email="dana@example.org")
    enrolled(user)
    response = log_in(client, "dana@example.org")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/code")
    assert client.get("/").status_code == 302
    assert client.get("/account").headers["Location"].startswith("/login?next=")
    assert db.query(UserSession).count() == 0
    assert db.query(PendingLogin).filter_by(user_id=user.id).count() == 1


def test_password_then_code_logs_in_and_keeps_me_logged_in(clock, client, make, db, enrolled):
    user = make.user(email="dana@example.org")
    secret, _codes = enrolled(user)
    log_in(client, "dana@example.org", remember="y")
    page = client.get("/login/code").get_data(as_text=True)
    assert "authenticator app" in page

    response = enter_code(client, code_at(secret, NOW), query_string={"next": "/account"})

    assert response.status_code == 302 and response.headers["Location"] == "/account"
    assert client.get("/").status_code == 200
    login = db.query(UserSession).one()
    assert login.remember and client.get_cookie("remember_token") is not None
    assert db.query(PendingLogin).count() == 0


def test_a_next_page_survives_the_code_step(clock, client, make, db, enrolled):
    user = make.user(email="dana@example.org")
    secret, _codes = enrolled(user)
    response = client.post(
        "/login?next=/account", data={"email": "dana@example.org", "password": PASSWORD}
    )
    assert response.headers["Location"] == "/login/code?next=/account"
    done = enter_code(client, code_at(secret, NOW), query_string={"next": "/account"})
    assert done.headers["Location"] == "/account"


def test_a_wrong_or_replayed_code_is_refused_with_one_message(
    app, clock, client, make, db, enrolled
):
    user = make.user(email="dana@example.org")
    secret, _codes = enrolled(user)
    log_in(client, "dana@example.org")
    wrong = enter_code(client, "123456")
    assert wrong.status_code == 200
    assert "not right, or was already used" in wrong.get_data(as_text=True)
    assert enter_code(client, code_at(secret, NOW)).status_code == 302
    client.post("/logout")

    log_in(client, "dana@example.org")
    replay = enter_code(client, code_at(secret, NOW))
    assert replay.status_code == 200
    assert "not right, or was already used" in replay.get_data(as_text=True)
    clock.shift(STEP)
    assert enter_code(client, code_at(secret, NOW + STEP)).status_code == 302


def test_a_recovery_code_logs_in_once(clock, client, make, db, enrolled):
    user = make.user(email="dana@example.org")
    _secret, codes = enrolled(user)
    log_in(client, "dana@example.org")
    response = enter_code(client, codes[0], follow_redirects=True)
    assert "You used a recovery code; 9 are left." in response.get_data(as_text=True)
    client.post("/logout")

    log_in(client, "dana@example.org")
    assert enter_code(client, codes[0]).status_code == 200
    assert client.get("/").status_code == 302


def test_an_expired_pending_login_asks_for_the_password_again(clock, client, make, db, enrolled):
    user = make.user(email="dana@example.org")
    secret, _codes = enrolled(user)
    log_in(client, "dana@example.org")
    clock.shift(timedelta(minutes=5, seconds=1))
    response = enter_code(client, code_at(secret, NOW + timedelta(minutes=5, seconds=1)))
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert client.get("/").status_code == 302
    assert db.query(UserSession).count() == 0


def test_the_code_page_without_a_password_step_goes_to_the_login_page(client):
    response = client.post("/login/code", data={"code": "123456"})
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


def test_a_deactivated_account_cannot_finish_logging_in(clock, client, make, db, enrolled):
    user = make.user(email="dana@example.org")
    secret, _codes = enrolled(user)
    log_in(client, "dana@example.org")
    user.is_active = False
    db.commit()
    enter_code(client, code_at(secret, NOW))
    assert db.query(UserSession).count() == 0


def test_wrong_codes_are_throttled_per_account(app, clock, make, db, enrolled):
    app.config["LOGIN_CODE_FAILURES_PER_ACCOUNT"] = "3/15 minutes"
    dana, sam = make.user(email="dana@example.org"), make.user(email="sam@example.org")
    secret, _codes = enrolled(dana)
    sam_secret, _ = enrolled(sam)
    for _ in range(3):  # from new browsers each time: the limit follows the account
        attacker = app.test_client()
        log_in(attacker, "dana@example.org")
        assert enter_code(attacker, "000000").status_code == 200

    owner = app.test_client()
    log_in(owner, "dana@example.org")
    response = enter_code(owner, code_at(secret, NOW))
    assert response.status_code == 429
    page = response.get_data(as_text=True)
    assert "Too many wrong codes for this account" in page and "Wait 15 minutes" in page
    assert owner.get("/").status_code == 302

    other = app.test_client()
    log_in(other, "sam@example.org")
    assert enter_code(other, code_at(sam_secret, NOW)).status_code == 302


def test_right_codes_do_not_count_against_the_limit(app, clock, make, db, enrolled):
    app.config["LOGIN_CODE_FAILURES_PER_ACCOUNT"] = "2/15 minutes"
    user = make.user(email="dana@example.org")
    secret, _codes = enrolled(user)
    for n in range(4):
        browser = app.test_client()
        log_in(browser, "dana@example.org")
        assert enter_code(browser, code_at(secret, NOW + n * STEP)).status_code == 302
        clock.shift(STEP)


def test_wrong_passwords_to_turn_it_off_are_throttled_like_logins(
    app, clock, make, db, enrolled, logged_in_with_code
):
    app.config["LOGIN_FAILURES_PER_ACCOUNT"] = "2/15 minutes"
    user = make.user()
    browser = logged_in_with_code(user, enrolled(user)[0])
    for path in ("/account/two-factor/disable", "/account/two-factor/recovery-codes"):
        assert browser.post(path, data={"password": "a guess"}).status_code == 200
    response = browser.post("/account/two-factor/disable", data={"password": PASSWORD})
    assert response.status_code == 429
    db.expire_all()
    assert second_factor.is_enabled(db.get(User, user.id))


# --- site administrators -----------------------------------------------------------------


def test_an_admin_without_it_is_sent_to_enrol_before_anything_else(
    admins_need_it, clock, client, make, db
):
    admin = make.user(email="ada@example.org", admin=True)
    db.commit()
    response = log_in(client, "ada@example.org")
    assert response.status_code == 302
    for path in ("/", "/admin/users", "/account"):
        refused = client.get(path)
        assert refused.status_code == 302 and refused.headers["Location"] == "/account/two-factor"
    page = client.get("/account/two-factor", follow_redirects=True).get_data(as_text=True)
    assert "Site administrators must turn on two-factor authentication" in page

    db.expire_all()
    secret = db.get(User, admin.id).totp_secret
    client.post("/account/two-factor", data={"code": code_at(secret, NOW)})
    assert client.get("/admin/users").status_code == 200


def test_an_admin_cannot_turn_it_off_while_it_is_required(
    admins_need_it, clock, make, db, enrolled, logged_in_with_code
):
    admin = make.user(admin=True)
    browser = logged_in_with_code(admin, enrolled(admin)[0])
    response = browser.post(
        "/account/two-factor/disable", data={"password": PASSWORD}, follow_redirects=True
    )
    assert "Site administrators must keep two-factor authentication on" in response.get_data(
        as_text=True
    )
    db.expire_all()
    assert second_factor.is_enabled(db.get(User, admin.id))


def test_admins_are_not_sent_to_enrol_when_the_requirement_is_off(client, make, db):
    make.user(email="ada@example.org", admin=True)
    db.commit()
    log_in(client, "ada@example.org")
    assert client.get("/admin/users").status_code == 200


def test_the_users_list_shows_who_has_it(clock, make, db, logged_in, enrolled):
    browser = logged_in(make.user("Ada Admin", admin=True))
    enrolled(make.user("Dana Diaz"))
    make.user("Sam Smith")
    db.commit()
    page = browser.get("/admin/users").get_data(as_text=True)
    dana_row = page.split("Dana Diaz", 1)[1].split("</tr>", 1)[0]
    sam_row = page.split("Sam Smith", 1)[1].split("</tr>", 1)[0]
    assert "two-factor on" in dana_row and "two-factor on" not in sam_row


# --- an operator helps someone who lost their phone and their codes ------------------------


def test_an_operator_removes_a_lost_second_factor_from_the_command_line(
    app, clock, make, db, enrolled, logged_in_with_code
):
    from click.testing import CliRunner

    from partnerhub.cli import main

    user = make.user(email="dana@example.org")
    secret, _codes = enrolled(user)
    browser = logged_in_with_code(user, secret)  # say the phone was stolen while logged in

    result = CliRunner().invoke(main, ["reset-two-factor", "--email", "Dana@example.org"], obj=app)

    assert result.exit_code == 0, result.output
    assert "dana@example.org logs in with a password alone until" in result.output
    db.expire_all()
    assert not second_factor.is_enabled(db.get(User, user.id))
    assert db.get(User, user.id).totp_secret is None
    assert db.query(RecoveryCode).count() == 0
    assert browser.get("/").status_code == 302
    assert db.query(AuditEvent).filter_by(action="user.two_factor_reset").count() == 1
    unknown = CliRunner().invoke(main, ["reset-two-factor", "--email", "x@example.org"], obj=app)
    assert unknown.exit_code == 1 and "No account" in unknown.output
