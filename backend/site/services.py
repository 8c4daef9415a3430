"""Site shell rules: health, safe redirects, what the service worker precaches."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from piccolo.engine.base import Engine

from backend.core.db import database_answers
from backend.core.templating import DIST_DIR
from backend.settings import SUPPORTED_LOCALES
from backend.site.schemas import Health

PWA_ICONS = ("icon-192.png", "icon-512.png", "icon-maskable-512.png", "apple-touch-icon.png", "icon.svg")


class SiteService:
    """The site shell's few rules."""

    def __init__(self, engine: Engine[Any]) -> None:
        self.engine = engine

    async def health(self) -> Health:
        """Report whether the database answers a trivial query."""
        ok = await database_answers(self.engine)
        return Health(status="ok" if ok else "unavailable", database="ok" if ok else "unavailable")

    @staticmethod
    def safe_return_path(candidate: str | None) -> str:
        """Only same-site paths are followed after switching language (no open redirects)."""
        if not candidate or len(candidate) > 2000:
            return "/"
        parts = urlsplit(candidate)
        if parts.scheme or parts.netloc or not candidate.startswith("/") or candidate.startswith("//"):
            return "/"
        if "\\" in candidate or any(ord(ch) < 32 for ch in candidate):
            return "/"
        return candidate

    @staticmethod
    def precache_urls() -> list[str]:
        """The shell the service worker stores on install: offline pages, styles, scripts, icons.

        No query strings: the worker matches static files ignoring `?v=`, and the cache name carries the version.
        """
        urls = [f"/offline/{code}" for code in SUPPORTED_LOCALES]
        urls += [f"/offline/{code}/saved" for code in SUPPORTED_LOCALES]
        urls += [
            "/static/dist/hearby.css",
            "/static/dist/hearby.rtl.css",
            "/static/js/app.js",
            "/manifest.webmanifest",
        ]
        # GOV.UK Frontend's component modules (app.js imports those a page uses), so forms work offline too.
        urls += sorted(f"/static/dist/{path.relative_to(DIST_DIR).as_posix()}" for path in DIST_DIR.rglob("*.mjs"))
        urls += [f"/icons/{name}" for name in PWA_ICONS]
        return urls
