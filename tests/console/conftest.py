"""Console tests: a signed-in browser-like client (cookies, CSRF token read from the page like a browser)."""
from __future__ import annotations

import re

import pytest

from server.demo.people import DEMO_PASSWORD
from tests.web.chromium import browser  # noqa: F401  (the Chromium fixture for the page tests here)

TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|"X-CSRFToken": "([^"]+)"')


def csrf_token(html: str) -> str:
    match = TOKEN.search(html)
    assert match, "the page carries no CSRF token"
    return match.group(1) or match.group(2)


class ConsoleClient:
    """Flask's test client used as a browser would: GET a page, read its CSRF token, POST the form."""

    def __init__(self, client) -> None:
        self.http = client
        self.token: str | None = None

    def get(self, path: str, **kwargs):
        response = self.http.get(path, **kwargs)
        if response.mimetype == "text/html":
            found = TOKEN.search(response.get_data(as_text=True))
            if found:
                self.token = found.group(1) or found.group(2)
        return response

    def post(self, path: str, data: dict | None = None, **kwargs):
        if self.token is None:
            self.get("/console/login")
        return self.http.post(path, data={"csrf_token": self.token, **(data or {})}, **kwargs)

    def login(self, username: str, password: str = DEMO_PASSWORD):
        self.get("/console/login")
        return self.post("/console/login", {"username": username, "password": password})


@pytest.fixture
def console(client) -> ConsoleClient:
    return ConsoleClient(client)


@pytest.fixture
def signed_in(app):
    """`signed_in("hubin-office")` → a ConsoleClient signed in as that demo account."""
    def sign_in(username: str) -> ConsoleClient:
        session = ConsoleClient(app.test_client())
        response = session.login(username)
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return session
    return sign_in
