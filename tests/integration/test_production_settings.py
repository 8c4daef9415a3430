"""In production (https), responses carry HSTS and cookies are Secure, HttpOnly, SameSite=Lax and __Host- prefixed."""

from __future__ import annotations

from pathlib import Path

from litestar.testing import AsyncTestClient

from backend.accounts.tables import User
from backend.app import create_app
from backend.core.roles import Role
from backend.settings import Settings
from tests.support.people import make_person, post_form


async def test_production_sends_hsts_and_secure_host_cookies(database_url: str, tmp_path: Path) -> None:
    settings = Settings.from_env(
        {
            "HEARBY_ENV": "production",
            "SECRET_KEY": "a-production-secret-that-is-long-enough-0123456789",
            "BASE_URL": "https://hearby.oxfordshire.example",
            "DATABASE_URL": database_url,
            "DATABASE_POOL_SIZE": "0",
            "HEARBY_DATA_DIR": str(tmp_path),
            "LOG_LEVEL": "WARNING",
        }
    )
    async with AsyncTestClient(app=create_app(settings), base_url="https://hearby.oxfordshire.example") as client:
        response = await client.get("/sign-in")
        assert response.headers["strict-transport-security"].startswith("max-age=")
        cookie = response.headers["set-cookie"]
        assert cookie.startswith("__Host-hearby_csrf=")
        for flag in ("Secure", "HttpOnly", "SameSite=lax", "Path=/"):
            assert flag.lower() in cookie.lower()
        assert "domain=" not in cookie.lower()
        assert (await client.get("/dev/mail")).status_code == 404  # developer tools are off
        language = await client.get("/language/pl", follow_redirects=False)
        assert language.headers["set-cookie"].startswith("__Host-hearby_lang=pl")
        assert "secure" in language.headers["set-cookie"].lower()

        # The session cookie, made by a real sign-in.
        person = await make_person(settings, Role.PARTNER, email="production-session@example.org")
        try:
            signed_in = await post_form(client, "/sign-in", {"email": person.email, "password": person.password})
            assert signed_in.status_code == 302, signed_in.text
            sessions = [c for c in signed_in.headers.get_list("set-cookie") if c.startswith("__Host-hearby_session=")]
            assert len(sessions) == 1, signed_in.headers.get_list("set-cookie")
            flags = {part.strip().split("=")[0].lower(): part.strip() for part in sessions[0].split(";")[1:]}
            assert {"secure", "httponly", "samesite", "path"} <= flags.keys(), sessions[0]
            assert flags["samesite"].lower() == "samesite=lax"
            assert flags["path"] == "Path=/"
            assert "domain" not in flags
            assert (await client.get("/account", follow_redirects=False)).status_code == 200
        finally:
            await User.delete().where(User.id == person.id)
