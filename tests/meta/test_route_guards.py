"""Authorisation is declared on every route: guards somewhere up the ownership chain, or the public marker.

GOV.UK Notify's `test_routes_have_permissions_decorators`, for Litestar: walk every route handler of the real
app (controller methods, static-file routers, framework routes, the OPTIONS handlers Litestar adds) and look
at each ownership layer (handler, controller, router, app) for guards or `opt["public"]`.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Litestar, Router, get, post
from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.routes import ASGIRoute, HTTPRoute, WebSocketRoute

from backend.app import create_app
from backend.core.guards import PUBLIC, is_public, requires_sign_in
from backend.settings import Settings


def _handlers(app: Litestar) -> list[tuple[str, BaseRouteHandler]]:
    found: list[tuple[str, BaseRouteHandler]] = []
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            found.extend((route.path, handler) for handler in route.route_handlers)
        elif isinstance(route, WebSocketRoute | ASGIRoute):
            found.append((route.path, route.route_handler))
    return found


# Litestar adds an OPTIONS handler to every path to answer CORS preflights with `Allow`; it runs none of our
# code and belongs to the router, so it cannot see a guard declared on the handler beside it.
_LITESTAR_OPTIONS_HANDLER = "HTTPRoute.create_options_handler.<locals>.options_handler"


def _generated_by_litestar(handler: BaseRouteHandler) -> bool:
    return getattr(handler.fn, "__qualname__", "") == _LITESTAR_OPTIONS_HANDLER


def unguarded_routes(app: Litestar) -> list[str]:
    """`METHODS path (handler)` for every handler with neither guards nor the public marker on any layer."""
    problems: list[str] = []
    for path, handler in _handlers(app):
        if _generated_by_litestar(handler):
            continue
        layers = handler.ownership_layers
        if any(layer.guards for layer in layers) or any(is_public(dict(layer.opt or {})) for layer in layers):
            continue
        methods = ",".join(sorted(getattr(handler, "http_methods", None) or ["WS"]))
        problems.append(f"{methods} {path} ({handler.handler_name or handler!r})")
    return sorted(problems)


def test_every_route_is_guarded_or_explicitly_public(sqlite_settings: Settings) -> None:
    app = create_app(sqlite_settings)
    assert _handlers(app), "the app has no routes?"
    problems = unguarded_routes(app)
    assert not problems, (
        "These routes declare neither guards (requires_roles/requires_sign_in on the handler, controller or "
        "router) nor opt=PUBLIC:\n  " + "\n  ".join(problems)
    )


def _deny(_connection: ASGIConnection[Any, Any, Any, Any], _handler: BaseRouteHandler) -> None:
    """A stand-in guard."""


def public_layers(app: Litestar) -> list[str]:
    """Controllers and routers that carry the public marker for every handler they hold, now and later.

    A router Litestar builds itself with handlers it generates (the static files, the OpenAPI document) is
    allowed: nobody adds a handler to it by accident.
    """
    problems: set[str] = set()
    for path, handler in _handlers(app):
        for layer in handler.ownership_layers:
            if layer is handler or isinstance(layer, Litestar) or not is_public(dict(layer.opt or {})):
                continue
            if isinstance(layer, Router) and _litestar_generated_router(layer):
                continue
            problems.add(f"{type(layer).__name__} {getattr(layer, 'path', '')!r} (holding {path})")
    return sorted(problems)


def _litestar_generated_router(router: Router) -> bool:
    return all(
        getattr(getattr(handler, "fn", None), "__module__", "").startswith("litestar.")
        for route in router.routes
        for handler in getattr(route, "route_handlers", [getattr(route, "route_handler", None)])
    )


def test_public_is_marked_on_each_handler_never_on_a_whole_controller_or_router(sqlite_settings: Settings) -> None:
    problems = public_layers(create_app(sqlite_settings))
    assert not problems, (
        "opt=PUBLIC on a whole Controller or Router makes every handler added to it later public; put it on "
        "each public handler instead:\n  " + "\n  ".join(problems)
    )


def test_the_public_layer_checker_reports_a_public_controller(sqlite_settings: Settings) -> None:
    class EverythingPublic(Controller):
        path = "/meta/everything-public"
        opt = PUBLIC

        @get("/", include_in_schema=False)
        async def first(self) -> str:
            return "ok"

    @get("/child", include_in_schema=False)
    async def child() -> str:
        return "ok"

    app = create_app(sqlite_settings)
    app.register(EverythingPublic)
    app.register(Router(path="/meta/public-router", opt=PUBLIC, route_handlers=[child]))
    reported = public_layers(app)
    assert any("EverythingPublic" in line or "/meta/everything-public" in line for line in reported), reported
    assert any("/meta/public-router" in line for line in reported), reported


def test_the_checker_reports_an_unguarded_handler(sqlite_settings: Settings) -> None:
    @get("/meta/forgotten", include_in_schema=False)
    async def forgotten() -> str:
        return "oops"

    @post("/meta/forgotten-too", include_in_schema=False)
    async def forgotten_too() -> str:
        return "oops"

    app = create_app(sqlite_settings)
    before = unguarded_routes(app)
    app.register(forgotten)
    app.register(forgotten_too)
    reported = set(unguarded_routes(app)) - set(before)
    assert any(line.startswith("GET,HEAD /meta/forgotten ") or "GET /meta/forgotten " in line for line in reported)
    assert any("POST /meta/forgotten-too " in line for line in reported)


def test_the_checker_accepts_guards_and_public_markers_on_any_layer(sqlite_settings: Settings) -> None:
    @get("/on-handler", guards=[requires_sign_in], include_in_schema=False)
    async def on_handler() -> str:
        return "ok"

    @get("/public-handler", opt=PUBLIC, include_in_schema=False)
    async def public_handler() -> str:
        return "ok"

    class GuardedController(Controller):
        path = "/guarded-controller"
        guards = [_deny]

        @get("/", include_in_schema=False)
        async def inside(self) -> str:
            return "ok"

    @get("/in-router", include_in_schema=False)
    async def in_router() -> str:
        return "ok"

    @get("/public-router-child", include_in_schema=False)
    async def public_router_child() -> str:
        return "ok"

    app = create_app(sqlite_settings)
    before = set(unguarded_routes(app))
    app.register(on_handler)
    app.register(public_handler)
    app.register(GuardedController)
    app.register(Router(path="/router", guards=[_deny], route_handlers=[in_router]))
    app.register(Router(path="/public-router", opt=PUBLIC, route_handlers=[public_router_child]))
    assert set(unguarded_routes(app)) - before == set()
