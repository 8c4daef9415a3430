"""Reference data (after every migration) and demo content (for newcomers). Every loader is idempotent.

The loaders are listed here by hand, in dependency order (later domains' content refers to earlier domains'
data); a new domain with reference data or demo content adds its loader to these lists.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from piccolo.engine.base import Engine

from backend import wiring
from backend.accounts import demo as accounts_demo
from backend.areas import reference as areas_reference
from backend.core.clock import Clock, SystemClock
from backend.core.db import bind_tables, close_engine, make_engine, open_engine
from backend.core.i18n import load_translations
from backend.core.mail import EmailRenderer
from backend.core.templating import build_environment
from backend.engagement import demo as engagement_demo
from backend.events import demo as events_demo
from backend.events import reference as events_reference
from backend.exchanges import demo as exchanges_demo
from backend.reports import demo as reports_demo
from backend.settings import Settings

logger = logging.getLogger("hearby.seed")

REFERENCE_LOADERS: tuple[Callable[[], Awaitable[None]], ...] = (
    areas_reference.load_reference_data,
    events_reference.load_reference_data,
)


async def _with_engine(settings: Settings, calls: Sequence[Callable[[Engine[Any]], Awaitable[Any]]]) -> None:
    engine = make_engine(settings.database_url)
    bind_tables(engine)
    await open_engine(engine)
    try:
        for call in calls:
            await call(engine)
    finally:
        await close_engine(engine)


async def load_reference_data(settings: Settings) -> None:
    """Load each domain's reference data (areas, categories…); run after every migration."""
    await _with_engine(settings, [lambda _engine, loader=loader: loader() for loader in REFERENCE_LOADERS])  # type: ignore[misc]


async def seed_demo_content(settings: Settings, clock: Clock | None = None) -> None:
    """Load each domain's demo content so a newcomer never meets an empty product."""
    clock = clock or SystemClock()
    renderer = EmailRenderer(build_environment(settings), load_translations(), settings)

    async def events(engine: Engine[Any]) -> None:
        bookings = wiring.bookings_for_events(settings, clock, engine, renderer)
        await events_demo.load_demo(settings, clock, bookings=bookings)

    async def accounts(_engine: Engine[Any]) -> None:
        await accounts_demo.load_demo(settings, clock)

    async def engagement(_engine: Engine[Any]) -> None:
        await engagement_demo.load_demo(settings, clock)

    async def reports(_engine: Engine[Any]) -> None:
        await reports_demo.load_demo(settings, clock)

    async def exchanges(_engine: Engine[Any]) -> None:
        await exchanges_demo.load_demo(settings, clock)

    loaders = [accounts, events, engagement, reports, exchanges]
    await _with_engine(settings, loaders)
    logger.info("demo content loaded for %d domains", len(loaders))
