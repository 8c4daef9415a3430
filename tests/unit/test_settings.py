from __future__ import annotations

from pathlib import Path

import pytest

from backend.settings import Settings, SettingsError, sqlite_path


def test_embedded_default_needs_no_environment(tmp_path: Path) -> None:
    settings = Settings.from_env({"HEARBY_DATA_DIR": str(tmp_path)})
    assert settings.database_url.startswith("sqlite:///")
    assert settings.time_zone == "Europe/London"
    assert len(settings.secret_key) >= 32
    # The generated key is kept, so sessions survive a restart.
    assert Settings.from_env({"HEARBY_DATA_DIR": str(tmp_path)}).secret_key == settings.secret_key


def test_production_refuses_to_start_without_a_secret(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="SECRET_KEY must be set"):
        Settings.from_env({"HEARBY_ENV": "production", "HEARBY_DATA_DIR": str(tmp_path)})


def test_production_with_a_secret_turns_off_developer_tools(tmp_path: Path) -> None:
    settings = Settings.from_env(
        {"HEARBY_ENV": "production", "SECRET_KEY": "x" * 40, "BASE_URL": "https://hearby.example.org/"}
    )
    assert settings.production
    assert not settings.dev_tools
    assert settings.base_url == "https://hearby.example.org"
    assert settings.secure_cookies
    assert settings.cookie_name("hearby_session") == "__Host-hearby_session"
    assert settings.mail_backend == "smtp"


def test_plain_http_localhost_cookies_are_not_secure(tmp_path: Path) -> None:
    settings = Settings.from_env({"HEARBY_DATA_DIR": str(tmp_path)})
    assert not settings.secure_cookies
    assert settings.cookie_name("hearby_session") == "hearby_session"


@pytest.mark.parametrize(
    ("url", "path"),
    [("sqlite:///var/hearby.db", "var/hearby.db"), ("sqlite:////srv/hearby/db.sqlite", "/srv/hearby/db.sqlite")],
)
def test_sqlite_urls_follow_sqlalchemy(url: str, path: str) -> None:
    assert sqlite_path(url) == path


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"DATABASE_URL": "mysql://x"}, "DATABASE_URL"),
        ({"DEFAULT_LOCALE": "xx"}, "DEFAULT_LOCALE"),
        ({"SECRET_KEY": "short"}, "at least 32"),
    ],
)
def test_bad_settings_are_refused_clearly(tmp_path: Path, variables: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env({"HEARBY_DATA_DIR": str(tmp_path), **variables})
