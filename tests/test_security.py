"""Security headers and cookies on every HTML response, and no open redirects after login."""

from __future__ import annotations

import pytest

from partnerhub import create_app
from tests.factories import PASSWORD
from tests.test_forms_fuzz import enter_world
from tests.world import declared_routes, route_methods


def pages() -> list[str]:
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


@pytest.mark.parametrize("endpoint", pages())
def test_every_page_sends_the_security_headers(app, client, db, make, login_as, endpoint):
    """HTML pages get the full set; feeds, CSV and JSON at least nosniff and Referrer-Policy."""
    response = client.get(enter_world(app, make, db, login_as, endpoint))
    if response.mimetype == "text/html":
        assert_secure_headers(response)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("same-origin", "no-referrer")
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
def https_app(app, database_url, tmp_path):
    """The app as deployed at an https address, behind one reverse proxy."""
    deployed = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "deployed"),
            "SECRET_KEY": "test secret key",
            "WTF_CSRF_ENABLED": False,
            "BASE_URL": "https://partnerhub.example.org",
            "TRUSTED_PROXIES": 1,
        }
    )
    yield deployed
    deployed.extensions["partnerhub.database"].dispose()


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
    for name in ("__Host-session", "__Host-remember_token"):
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


def test_hsts_is_sent_behind_a_tls_proxy_when_base_url_is_https(https_app):
    page = https_app.test_client().get("/login")  # the proxy spoke plain HTTP to us
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")


def test_trusted_proxy_gives_the_client_address_to_login_throttling(https_app, make, db):
    """Behind one proxy, failures count against the client's address, not the proxy's."""
    https_app.config.update(LOGIN_FAILURES_PER_ADDRESS="2/15 minutes")
    make.user(email="dana@example.org")
    db.commit()
    client = https_app.test_client()

    def attempt(client_address, password="wrong password"):
        return client.post(
            "/login",
            data={"email": "dana@example.org", "password": password},
            headers={"X-Forwarded-For": client_address, "X-Forwarded-Proto": "https"},
        )

    assert [attempt("198.51.100.1").status_code for _ in range(3)] == [200, 200, 429]
    assert attempt("198.51.100.2", PASSWORD).status_code == 302


def cookie_attributes(header: str) -> tuple[str, dict[str, str]]:
    """A Set-Cookie header's name and its attributes (lower-cased names)."""
    first, *rest = [part.strip() for part in header.split(";")]
    attributes = {}
    for part in rest:
        key, _, value = part.partition("=")
        attributes[key.lower()] = value
    return first.split("=", 1)[0], attributes


@pytest.mark.parametrize(
    ("base_url", "names", "secure"),
    [
        ("https://partnerhub.example.org", ("__Host-session", "__Host-remember_token"), True),
        ("http://partnerhub.example.org", ("session", "remember_token"), False),
    ],
)
def test_over_https_login_cookies_take_the_host_prefix(
    database_url, tmp_path, make, db, base_url, names, secure
):
    """`__Host-` cookies are Secure, on Path=/, without Domain: no subdomain can set them."""
    deployed = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": str(tmp_path / "deployed"),
            "SECRET_KEY": "test secret key",
            "WTF_CSRF_ENABLED": False,
            "BASE_URL": base_url,
        }
    )
    try:
        make.user(email="dana@example.org")
        db.commit()
        client = deployed.test_client()
        data = {"email": "dana@example.org", "password": PASSWORD, "remember": "y"}
        response = client.post("/login", data=data, base_url=base_url)
        assert response.status_code == 302
        cookies = dict(map(cookie_attributes, response.headers.getlist("Set-Cookie")))
        assert set(cookies) == set(names)
        for name in names:
            attributes = cookies[name]
            assert ("secure" in attributes) is secure
            assert attributes["path"] == "/"
            assert "domain" not in attributes
            assert "httponly" in attributes

        assert client.get("/account", base_url=base_url).status_code == 200
        logout = client.post("/logout", base_url=base_url)
        cleared = dict(map(cookie_attributes, logout.headers.getlist("Set-Cookie")))
        assert names[1] in cleared  # the remember cookie is cleared under its own name
        for attributes in cleared.values():
            assert ("secure" in attributes) is secure
            assert attributes["path"] == "/"
            assert "domain" not in attributes
    finally:
        deployed.extensions["partnerhub.database"].dispose()
