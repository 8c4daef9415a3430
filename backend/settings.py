"""Typed settings, read from the environment only when asked (never at import time)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
SUPPORTED_LOCALES = ("en", "pl", "ur")
RTL_LOCALES = frozenset({"ur", "ar", "fa", "he", "ps"})


class SettingsError(RuntimeError):
    """Raised when the environment cannot produce a safe configuration."""


@dataclass(frozen=True)
class Settings:
    """Every setting Hearby reads. The README's configuration table documents each one."""

    env: str = "development"
    database_url: str = "sqlite:///var/hearby.db"
    redis_url: str | None = None
    secret_key: str = ""
    base_url: str = "http://127.0.0.1:8000"
    site_name: str = "Hearby"
    council_name: str = "Oxfordshire County Council"
    default_locale: str = "en"
    time_zone: str = "Europe/London"
    trusted_proxies: tuple[str, ...] = ()
    database_pool_size: int = 10
    max_body_bytes: int = 1_048_576
    anonymous_posts_per_minute: int = 30
    report_contact_retention_days: int = 90
    report_text_retention_days: int = 365
    log_level: str = "INFO"
    release: str = ""
    mail_backend: str = "log"
    mail_from: str = "Hearby <no-reply@hearby.localhost>"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    vapid_private_key: str | None = None
    vapid_public_key: str | None = None
    vapid_subject: str = "mailto:hearby@oxfordshire.gov.uk"
    dev_tools: bool = True
    # Tests turn this on: a template naming a variable it was not given fails instead of printing nothing.
    strict_templates: bool = False
    exchanges_retention_months: int = 12
    data_dir: Path = field(default=REPO_ROOT / "var")

    @property
    def production(self) -> bool:
        """True when running for real, where unsafe defaults are refused."""
        return self.env == "production"

    @property
    def secure_cookies(self) -> bool:
        """Cookies are Secure (and `__Host-` prefixed) whenever the site is served over https."""
        return self.base_url.startswith("https://")

    @property
    def is_sqlite(self) -> bool:
        """True when the database is an embedded SQLite file."""
        return self.database_url.startswith("sqlite:")

    def cookie_name(self, name: str) -> str:
        """Browsers only accept `__Host-` cookies when they are Secure, so prefix only then."""
        return f"__Host-{name}" if self.secure_cookies else name

    def with_overrides(self, **changes: Any) -> Settings:
        """A copy with some settings replaced (used by tests and commands)."""
        return replace(self, **changes)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Build settings from environment variables, refusing unsafe production setups."""
        env = os.environ if environ is None else environ
        hearby_env = env.get("HEARBY_ENV", "development")
        production = hearby_env == "production"
        data_dir = Path(env.get("HEARBY_DATA_DIR", str(REPO_ROOT / "var")))
        secret_key = env.get("SECRET_KEY", "")
        if not secret_key:
            if production:
                raise SettingsError(
                    "SECRET_KEY must be set when HEARBY_ENV=production "
                    "(for example: python -c 'import secrets; print(secrets.token_urlsafe(48))')."
                )
            secret_key = _local_secret(data_dir)
        elif len(secret_key) < 32:
            raise SettingsError("SECRET_KEY must be at least 32 characters long.")
        default_locale = env.get("DEFAULT_LOCALE", "en")
        if default_locale not in SUPPORTED_LOCALES:
            raise SettingsError(f"DEFAULT_LOCALE must be one of {', '.join(SUPPORTED_LOCALES)}.")
        database_url = env.get("DATABASE_URL", f"sqlite:///{_relative_or_absolute(data_dir / 'hearby.db')}")
        if not database_url.startswith(("sqlite:///", "postgresql://", "postgres://")):
            raise SettingsError("DATABASE_URL must start with sqlite:/// or postgresql://.")
        return cls(
            env=hearby_env,
            database_url=database_url,
            redis_url=env.get("REDIS_URL") or None,
            secret_key=secret_key,
            base_url=env.get("BASE_URL", "http://127.0.0.1:8000").rstrip("/"),
            site_name=env.get("SITE_NAME", "Hearby"),
            council_name=env.get("COUNCIL_NAME", "Oxfordshire County Council"),
            default_locale=default_locale,
            time_zone=env.get("TIME_ZONE", "Europe/London"),
            trusted_proxies=tuple(p.strip() for p in env.get("TRUSTED_PROXIES", "").split(",") if p.strip()),
            database_pool_size=int(env.get("DATABASE_POOL_SIZE", "10")),
            max_body_bytes=int(env.get("MAX_BODY_BYTES", "1048576")),
            anonymous_posts_per_minute=int(env.get("ANONYMOUS_POSTS_PER_MINUTE", "30")),
            report_contact_retention_days=int(env.get("REPORT_CONTACT_RETENTION_DAYS", "90")),
            report_text_retention_days=int(env.get("REPORT_TEXT_RETENTION_DAYS", "365")),
            log_level=env.get("LOG_LEVEL", "INFO"),
            release=env.get("RELEASE", ""),
            mail_backend=env.get("MAIL_BACKEND", "smtp" if production else "log"),
            mail_from=env.get("MAIL_FROM", "Hearby <no-reply@hearby.localhost>"),
            smtp_host=env.get("SMTP_HOST", "127.0.0.1"),
            smtp_port=int(env.get("SMTP_PORT", "25")),
            smtp_username=env.get("SMTP_USERNAME") or None,
            smtp_password=env.get("SMTP_PASSWORD") or None,
            smtp_starttls=env.get("SMTP_STARTTLS", "false").lower() in {"1", "true", "yes"},
            vapid_private_key=env.get("VAPID_PRIVATE_KEY") or None,
            vapid_public_key=env.get("VAPID_PUBLIC_KEY") or None,
            vapid_subject=env.get("VAPID_SUBJECT", "mailto:hearby@oxfordshire.gov.uk"),
            dev_tools=not production and env.get("DEV_TOOLS", "true").lower() in {"1", "true", "yes"},
            strict_templates=env.get("STRICT_TEMPLATES", "false").lower() in {"1", "true", "yes"},
            exchanges_retention_months=int(env.get("EXCHANGES_RETENTION_MONTHS", "12")),
            data_dir=data_dir,
        )


def _relative_or_absolute(path: Path) -> str:
    """Write a SQLite path the way SQLAlchemy URLs do: relative to the working directory if possible."""
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return "/" + str(path).lstrip("/")


def _local_secret(data_dir: Path) -> str:
    """Outside production, keep one random key per checkout so sessions survive restarts."""
    data_dir.mkdir(parents=True, exist_ok=True)
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(48))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def sqlite_path(database_url: str) -> str:
    """`sqlite:///rel.db` → `rel.db`; `sqlite:////abs.db` → `/abs.db` (SQLAlchemy's convention)."""
    return database_url.removeprefix("sqlite:///")
