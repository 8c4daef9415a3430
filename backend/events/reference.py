"""Reference data of the events domain: the default categories (idempotent; officers' changes are kept)."""

from __future__ import annotations

from backend.events.categories import categories_changed
from backend.events.schemas import CATEGORIES
from backend.events.tables import Category


async def load_reference_data() -> None:
    """Add any default category that is missing, with its names in English, Polish and Urdu."""
    existing = {row["slug"] for row in await Category.select(Category.slug)}
    for position, (slug, names) in enumerate(CATEGORIES, start=1):
        if slug in existing:
            continue
        await Category.insert(Category(slug=slug, names=dict(names), position=position, active=True)).on_conflict(
            target=Category.slug, action="DO NOTHING"
        )
    categories_changed()
