"""Site shell routes. Thin: parse, call the service, render."""

from __future__ import annotations

import json
from typing import Annotated, Any

from litestar import Controller, MediaType, Request, Response, get
from litestar.datastructures import Cookie, State
from litestar.di import NamedDependency, Provide
from litestar.params import PathParameter, QueryParameter
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_503_SERVICE_UNAVAILABLE

from backend.core.guards import PUBLIC
from backend.core.i18n import LANGUAGE_COOKIE, request_locale, set_request_locale, translate
from backend.core.redirects import safe_path
from backend.core.templating import PWA_DIR
from backend.settings import SUPPORTED_LOCALES, Settings
from backend.site.schemas import Health, Ping
from backend.site.services import SiteService

ONE_YEAR = 365 * 24 * 3600
LocaleCode = Annotated[str, PathParameter(pattern=r"^[a-z]{2,3}$", max_length=3)]


class SitePages(Controller):
    """Pages every visitor can see."""

    include_in_schema = False

    @get("/", name="home", opt=PUBLIC)
    async def home(self) -> Template:
        """The home page: what Hearby offers, in the visitor's language."""
        return Template("site/home.html")

    @get("/about", name="about", opt=PUBLIC)
    async def about(self) -> Template:
        """About Hearby, licences and data attribution."""
        return Template("site/about.html")

    @get("/language/{code:str}", name="language", opt=PUBLIC)
    async def choose_language(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        code: LocaleCode,
        next_path: Annotated[str | None, QueryParameter(name="next", max_length=2000)] = None,
    ) -> Redirect:
        """Remember the visitor's language and return them to the page they were on."""
        target = safe_path(next_path)
        if code not in SUPPORTED_LOCALES:
            return Redirect(path=target)
        cookie = Cookie(
            key=settings.cookie_name(LANGUAGE_COOKIE),
            value=code,
            max_age=ONE_YEAR,
            path="/",
            secure=settings.secure_cookies,
            httponly=True,
            samesite="lax",
        )
        return Redirect(path=target, cookies=[cookie])

    @get("/offline/{code:str}", name="offline", opt=PUBLIC)
    async def offline(self, request: Request[Any, Any, Any], code: LocaleCode) -> Template:
        """The page the service worker shows when there is no network, one per language."""
        if code in SUPPORTED_LOCALES:
            set_request_locale(request, code)
        return Template("site/offline.html")

    @get("/offline/{code:str}/saved", name="saved_offline", opt=PUBLIC)
    async def saved_offline(self, request: Request[Any, Any, Any], code: LocaleCode) -> Template:
        """What the service worker shows after keeping a resident's submission on the phone until it is online."""
        if code in SUPPORTED_LOCALES:
            set_request_locale(request, code)
        return Template("site/saved_offline.html")


class PwaFiles(Controller):
    """The web app manifest and the service worker, which must be served from the site root."""

    include_in_schema = False

    @get("/manifest.webmanifest", name="manifest", media_type="application/manifest+json", opt=PUBLIC)
    async def manifest(self, request: Request[Any, Any, Any], settings: NamedDependency[Settings]) -> Response[str]:
        """The manifest, named in the visitor's language."""
        body = {
            "name": f"{settings.site_name} — {settings.council_name}",
            "short_name": settings.site_name,
            "description": translate(request, "Local events, Listening Exchanges and community reports."),
            "lang": request_locale(request),
            "start_url": "/?source=pwa",
            "scope": "/",
            "id": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#00594f",
            "icons": [
                {"src": "/icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
                {"src": "/icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
                {"src": "/icons/icon-maskable-512.png", "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
            ],
        }
        return Response(json.dumps(body, ensure_ascii=False), headers={"Vary": "Cookie, Accept-Language"})

    @get("/service-worker.js", name="service_worker", media_type="text/javascript", opt=PUBLIC)
    async def service_worker(self, request: Request[Any, Any, Any]) -> Response[str]:
        """The versioned worker: a new front-end build is a new worker, which replaces the old caches."""
        version: str = request.app.state["asset_version"]
        source = (PWA_DIR / "service-worker.js").read_text()
        source = source.replace("__HEARBY_VERSION__", version).replace(
            "__HEARBY_PRECACHE__", json.dumps(SiteService.precache_urls())
        )
        return Response(
            source,
            media_type="text/javascript; charset=utf-8",
            headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
        )


class SiteApi(Controller):
    """Machine-readable site endpoints."""

    @get(
        "/api/v1/ping",
        name="api_ping",
        tags=["site"],
        summary="A trivial answer for uptime checks",
        security=[{}],
        opt=PUBLIC,
    )
    async def ping(self) -> Ping:
        """Answer `pong`; no database, no session."""
        return Ping(ping="pong")

    @get("/health", name="health", include_in_schema=False, media_type=MediaType.JSON, opt=PUBLIC)
    async def health(self, site_service: NamedDependency[SiteService]) -> Response[Health]:
        """For the platform's health checks: 200 when the database answers, 503 when it does not."""
        health = await site_service.health()
        status = 200 if health.database == "ok" else HTTP_503_SERVICE_UNAVAILABLE
        return Response(health, status_code=status, headers={"Cache-Control": "no-store"})


def provide_site_service(state: State) -> SiteService:
    """The site service, bound to the app's engine."""
    return SiteService(state["engine"])


ROUTE_HANDLERS = [SitePages, PwaFiles, SiteApi]
DEPENDENCIES = {"site_service": Provide(provide_site_service, sync_to_thread=False)}
