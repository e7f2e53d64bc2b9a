"""A browser without JavaScript for tests against a real server: it keeps cookies, follows
redirects and posts forms with the CSRF token of the page they came from."""

from __future__ import annotations

import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.cookiejar import CookieJar

CSRF_FIELD = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


@dataclass
class Page:
    status: int
    url: str
    text: str


class FormBrowser:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url.rstrip("/")
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))

    def get(self, path: str) -> Page:
        return self._open(urllib.request.Request(self.base_url + path))

    def submit(self, path: str, fields: dict[str, str]) -> Page:
        """Open the form at `path`, then post `fields` with the page's CSRF token."""
        form = self.get(path)
        token = CSRF_FIELD.search(form.text)
        assert token, f"no CSRF token on {path}"
        body = urllib.parse.urlencode({**fields, "csrf_token": token.group(1)}).encode()
        return self._open(urllib.request.Request(self.base_url + path, data=body))

    def _open(self, request: urllib.request.Request) -> Page:
        try:
            with self.opener.open(request, timeout=10) as response:
                return Page(response.status, response.url, response.read().decode())
        except urllib.error.HTTPError as error:
            return Page(error.code, error.url, error.read().decode())
