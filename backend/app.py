"""create_app(settings): assembles plugins, routers, templates, stores. No settings are read at import."""

from __future__ import annotations

import gc
import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Router
from litestar.config.csrf import CSRFConfig
from litestar.datastructures import CacheControlHeader, State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import JsonRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.static_files import create_static_files_router
from litestar.stores.base import Store
from litestar.stores.file import FileStore
from litestar.stores.memory import MemoryStore
from litestar.stores.redis import RedisStore
from litestar.stores.registry import StoreRegistry
from redis.asyncio import Redis

from backend.accounts.services import load_current_user
from backend.core.auth import AuthenticationMiddleware, SessionLimits
from backend.core.clock import Clock, SystemClock
from backend.core.compression import compression_config
from backend.core.db import bind_tables, close_engine, make_engine, open_engine
from backend.core.errors import handle_exception
from backend.core.guards import CSRF_COOKIE, PUBLIC
from backend.core.head import HeadAsGetMiddleware
from backend.core.i18n import load_translations
from backend.core.logging import RequestLogMiddleware, configure_logging
from backend.core.mail import EmailRenderer
from backend.core.security import AnonymousWriteLimit, SecurityHeaders, client_address, is_anonymous_write
from backend.core.sessions import LazySessionConfig, SessionGate
from backend.core.templating import PWA_DIR, STATIC_DIR, template_config
from backend.core.throttle import MemoryThrottle, RedisThrottle, Throttle
from backend.settings import Settings
from backend.wiring import wire

logger = logging.getLogger("hearby.app")
SESSION_COOKIE = "hearby_session"


def _stores(settings: Settings, redis: Redis | None) -> StoreRegistry:
    """Redis when REDIS_URL is set (shared by every process); otherwise local stores."""
    if redis is not None:
        root = RedisStore(redis, namespace="hearby")

        def redis_store(name: str) -> Store:
            return root.with_namespace(name)

        return StoreRegistry(default_factory=redis_store)
    sessions_dir = settings.data_dir / "sessions"
    return StoreRegistry(
        stores={"sessions": FileStore(path=sessions_dir, create_directories=True)},
        default_factory=lambda _name: MemoryStore(),
    )


# Each domain's controllers module exports ROUTE_HANDLERS and DEPENDENCIES (providers may take `state`).
DOMAIN_CONTROLLERS = (
    "backend.site.controllers",
    "backend.areas.controllers",
    "backend.accounts.controllers",
    "backend.notifications.controllers",
    "backend.events.controllers",
    "backend.events.discovery_controllers",
    "backend.bookings.controllers",
    "backend.engagement.controllers",
    "backend.reports.controllers",
    "backend.exchanges.controllers",
)


def create_app(settings: Settings, clock: Clock | None = None) -> Litestar:
    """Build the whole application from one Settings object (and, in tests, a settable clock)."""
    configure_logging(settings.log_level)
    engine = make_engine(settings.database_url)
    bind_tables(engine)
    clock = clock or SystemClock()
    # One Redis client per app (when REDIS_URL is set), shared by the session/rate-limit stores and the throttle.
    redis = Redis.from_url(settings.redis_url) if settings.redis_url else None
    throttle: Throttle = RedisThrottle(redis) if redis is not None else MemoryThrottle(clock)
    route_handlers: list[Any] = []
    dependencies: dict[str, Provide] = {}
    for module_name in DOMAIN_CONTROLLERS:
        module = importlib.import_module(module_name)
        route_handlers.extend(module.ROUTE_HANDLERS)
        dependencies.update(module.DEPENDENCIES)

    @asynccontextmanager
    async def database_lifespan(_app: Litestar) -> AsyncIterator[None]:
        await open_engine(engine, settings.database_pool_size)
        try:
            yield
        finally:
            await close_engine(engine)
            if redis is not None:
                await redis.aclose()

    def provide_settings() -> Settings:
        return settings

    session_config = LazySessionConfig(
        key=settings.cookie_name(SESSION_COOKIE),
        # The longest lifetime any session may have (a resident's 30 days); the authentication middleware
        # ends each session sooner by role: staff after 30 idle minutes or 12 hours, residents after 14 idle days.
        max_age=SessionLimits().resident_absolute,
        secure=settings.secure_cookies,
        httponly=True,
        samesite="lax",
        store="sessions",
    )
    rate_limit = RateLimitConfig(
        rate_limit=("minute", settings.anonymous_posts_per_minute),
        identifier_for_request=client_address,
        check_throttle_handler=is_anonymous_write,
        store="rate_limit",
    )
    csrf = CSRFConfig(
        secret=settings.secret_key,
        cookie_name=settings.cookie_name(CSRF_COOKIE),
        cookie_secure=settings.secure_cookies,
        cookie_httponly=True,
        cookie_samesite="lax",
        exclude=["/api/"],
    )
    static_router = create_static_files_router(
        path="/static",
        directories=[STATIC_DIR],
        opt=PUBLIC,
        include_in_schema=False,
        name="static",
        cache_control=CacheControlHeader(no_cache=True),
    )
    icons_router = create_static_files_router(
        path="/icons", directories=[PWA_DIR / "icons"], opt=PUBLIC, include_in_schema=False, name="icons"
    )
    templates = template_config(settings)
    catalogues = load_translations()
    renderer = EmailRenderer(templates.engine_instance.engine, catalogues, settings)
    state = State(
        {
            "settings": settings,
            "engine": engine,
            "translations": catalogues,
            "email_renderer": renderer,
            "wiring": wire(settings, clock, engine, renderer),
            "asset_version": templates.engine_instance.engine.globals["asset_version"],  # hashed once, at build
            "clock": clock,
            "throttle": throttle,
        }
    )
    app = Litestar(
        route_handlers=[*route_handlers, static_router, icons_router],
        dependencies={"settings": Provide(provide_settings, sync_to_thread=False), **dependencies},
        middleware=[
            DefineMiddleware(SessionGate, config=session_config),
            DefineMiddleware(AuthenticationMiddleware, loader=load_current_user, limits=SessionLimits(), clock=clock),
            DefineMiddleware(AnonymousWriteLimit, config=rate_limit),
        ],
        csrf_config=csrf,
        stores=_stores(settings, redis),
        template_config=templates,
        compression_config=compression_config(),
        openapi_config=OpenAPIConfig(
            title=f"{settings.site_name} API",
            version="1",
            description="The Hearby JSON API. Each operation lists the authentication it needs.",
            path="/schema",
            render_plugins=[JsonRenderPlugin()],
            # The schema is public on purpose: say so, so the route meta-test sees a decision, not an omission.
            openapi_router=Router(path="/schema", route_handlers=[], opt=PUBLIC, include_in_schema=False),
            components=Components(
                security_schemes={
                    "session": SecurityScheme(
                        type="apiKey",
                        name=settings.cookie_name(SESSION_COOKIE),
                        security_scheme_in="cookie",
                        description="A signed-in session cookie (staff and residents with accounts).",
                    )
                }
            ),
        ),
        exception_handlers={Exception: handle_exception},
        request_max_body_size=settings.max_body_bytes,
        lifespan=[database_lifespan],
        state=state,
        debug=False,
        logging_config=None,
    )
    # Outermost, so unmatched routes and errors get the security headers and a log line too (one send wrapper).
    # HEAD becomes GET before routing (Litestar's router would answer 405), its body dropped on the way out.
    app.asgi_handler = HeadAsGetMiddleware(app.asgi_handler)
    app.asgi_handler = RequestLogMiddleware(app.asgi_handler, headers_for=SecurityHeaders(settings).for_scope)
    return app


def app_from_environment() -> Litestar:
    """Entry point for the ASGI server: `uvicorn --factory backend.app:app_from_environment`."""
    app = create_app(Settings.from_env())
    # Everything built so far (modules, templates, routes) lives as long as the process: moved out of the
    # collector's reach, the occasional full collection no longer walks it in the middle of requests.
    gc.collect()
    gc.freeze()
    return app
