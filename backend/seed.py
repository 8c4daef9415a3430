"""Reference data (after every migration) and demo content (for newcomers). Every loader is idempotent."""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from backend.core.db import bind_tables, close_engine, make_engine, open_engine
from backend.settings import Settings

logger = logging.getLogger("hearby.seed")

# In dependency order: later domains' demo content refers to earlier domains' data.
DOMAINS = ("areas", "accounts", "notifications", "events", "bookings", "exchanges")


def _loaders(module_suffix: str, function: str) -> list[Callable[..., Awaitable[None]]]:
    found = []
    for domain in DOMAINS:
        name = f"backend.{domain}.{module_suffix}"
        if importlib.util.find_spec(name) is not None:
            found.append(getattr(importlib.import_module(name), function))
    return found


async def _with_engine(settings: Settings, calls: list[Callable[[], Awaitable[Any]]]) -> None:
    engine = make_engine(settings.database_url)
    bind_tables(engine)
    await open_engine(engine)
    try:
        for call in calls:
            await call()
    finally:
        await close_engine(engine)


async def load_reference_data(settings: Settings) -> None:
    """Load each domain's reference data (areas, categories…); run after every migration."""
    await _with_engine(settings, list(_loaders("reference", "load_reference_data")))


async def seed_demo_content(settings: Settings) -> None:
    """Load each domain's demo content so a newcomer never meets an empty product."""
    loaders = _loaders("demo", "load_demo")
    await _with_engine(settings, [lambda loader=loader: loader(settings) for loader in loaders])  # type: ignore[misc]
    logger.info("demo content loaded for %d domains", len(loaders))
