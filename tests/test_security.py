"""Security headers and cookies on every HTML response, and no open redirects after login."""

from __future__ import annotations

import pytest

from partnerhub import create_app
from tests.factories import PASSWORD
from tests.test_forms_fuzz import enter_world
from tests.world import declared_routes, route_methods


def html_pages() -> list[str]:
    """Every GET route that is not opened by a secret token."""
    return sorted(
        endpoint
        for endpoint, policy in declared_routes().items()
        if "GET" in route_methods().get(endpoint, ()) and policy != "token"
    )


def assert_secure_headers(response) -> None:
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy
    assert "default-src 'self'" in policy
    assert "'unsafe-inline'" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")


@pytest.mark.parametrize("endpoint", html_pages())
def test_every_html_page_sends_the_security_headers(app, client, db, make, login_as, endpoint):
    response = client.get(enter_world(app, make, db, login_as, endpoint))
    assert response.mimetype == "text/html"
    assert_secure_headers(response)
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here


def test_error_pages_send_the_security_headers_too(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert_secure_headers(response)


def log_in(client, next_url=None, **extra):
    url = "/login" + (f"?next={next_url}" if next_url else "")
    return client.post(url, data={"email": "dana@example.org", "password": PASSWORD, **extra})


def set_cookie_headers(response) -> dict[str, str]:
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def test_login_cookies_are_httponly_and_samesite_lax(client, make, db):
    make.user(email="dana@example.org")
    db.commit()
    cookies = set_cookie_headers(log_in(client, remember="y"))
    for name in ("session", "remember_token"):
        assert "HttpOnly" in cookies[name]
        assert "SameSite=Lax" in cookies[name]
        assert "Secure" not in cookies[name]  # plain HTTP: a Secure cookie would never come back


@pytest.fixture
def https_app(database_url, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "instance"),
            "SECRET_KEY": "test secret key",
            "WTF_CSRF_ENABLED": False,
            "BASE_URL": "https://partnerhub.example.org",
        }
    )
    yield app
    app.extensions["partnerhub.database"].dispose()


def test_over_https_cookies_are_secure_and_hsts_is_sent(https_app, make, db):
    make.user(email="dana@example.org")
    db.commit()
    client = https_app.test_client()
    response = client.post(
        "/login",
        data={"email": "dana@example.org", "password": PASSWORD, "remember": "y"},
        base_url="https://partnerhub.example.org",
    )
    cookies = set_cookie_headers(response)
    for name in ("session", "remember_token"):
        assert "Secure" in cookies[name]
        assert "HttpOnly" in cookies[name]
    page = client.get("/login", base_url="https://partnerhub.example.org")
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    assert_secure_headers(page)


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example",
        "//evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "/\t/evil.example",
        "/\n/evil.example",
        "javascript:alert(1)",
        "http:/evil.example",
        " //evil.example",
    ],
)
def test_login_never_redirects_off_site(client, make, db, target):
    from urllib.parse import quote

    make.user(email="dana@example.org")
    db.commit()
    response = log_in(client, quote(target, safe=""))
    assert response.status_code == 302
    assert response.headers["Location"] == "/"


def test_login_follows_next_within_the_site(client, make, db):
    make.user(email="dana@example.org")
    db.commit()
    response = log_in(client, "/account%3Ftab%3Dpassword")
    assert response.headers["Location"] == "/account?tab=password"


def test_anonymous_visitor_returns_where_they_were_going(client, make, db):
    make.user(email="dana@example.org")
    db.commit()
    login_page = client.get("/account").headers["Location"]
    response = client.post(login_page, data={"email": "dana@example.org", "password": PASSWORD})
    assert response.headers["Location"] == "/account"
