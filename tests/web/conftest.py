"""Fixtures for the web UI: a seeded archive, users of each role, a logged-in client."""

from __future__ import annotations

import re

import pytest

PASSWORD = "lozinka-za-test-1"


@pytest.fixture
def web_settings(tmp_path):
    from odjek.settings import Settings

    return Settings.from_mapping({"data_dir": str(tmp_path / "var"), "secret_key": "test-secret-" + "x" * 20})


@pytest.fixture
def web_db(web_settings):
    from archive import open_archive
    from archive.users import ensure_user

    db = open_archive(web_settings.resolved_database_url)
    ensure_user(db, "ana", PASSWORD, "press_officer", email="ana@example.org")
    ensure_user(db, "oper", PASSWORD, "operator", email="oper@example.org")
    ensure_user(db, "admin", PASSWORD, "admin")
    yield db
    db.close()


@pytest.fixture
def seeded_ids(web_db):
    from tests.archive.search_seed import seed

    return seed(web_db)


@pytest.fixture
def client(web_settings, web_db):
    from fastapi.testclient import TestClient

    from web.app import create_app

    with TestClient(create_app(web_settings, web_db), base_url="http://127.0.0.1") as c:
        yield c


def login(client, username: str = "ana", password: str = PASSWORD, next_url: str = "/"):
    """Log in through the form (with its CSRF token); returns the response to the POST."""
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return client.post("/login", data={"username": username, "password": password, "csrf": token,
                                       "next": next_url}, follow_redirects=False)


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)
