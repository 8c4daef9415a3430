"""In production (https), responses carry HSTS and cookies are Secure, HttpOnly, SameSite=Lax and __Host- prefixed."""

from __future__ import annotations

from pathlib import Path

from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.settings import Settings


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
