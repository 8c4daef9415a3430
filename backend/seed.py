"""Demo content so a newcomer never meets an empty product. Every loader is idempotent."""

from __future__ import annotations

import logging

from backend.core.db import bind_tables, close_engine, make_engine, open_engine
from backend.settings import Settings

logger = logging.getLogger("hearby.seed")


async def seed_demo_content(settings: Settings) -> None:
    """Load each domain's demo content; domains add their loaders here as they land."""
    engine = make_engine(settings.database_url)
    bind_tables(engine)
    await open_engine(engine)
    try:
        loaders: list[object] = []
        logger.info("seeded %d domains", len(loaders))
    finally:
        await close_engine(engine)
