"""Event categories: the list partners choose from, kept by officers."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from typing import Any

from piccolo.engine.base import Engine

from backend.core import audit
from backend.core.auth import CurrentUser
from backend.core.db import json_object, raw_rows, write_transaction
from backend.core.i18n import N_
from backend.events.tables import Category
from backend.events.views import CategoryView, EventNotFoundError, Problems

# Every search shows the category list, which changes a few times a year: each app reads it at most every
# few seconds (`ActiveCategories`), and a change made in this process is seen at once (the generation).
ACTIVE_CATEGORIES_SECONDS = 5.0
_generation = [0]


def categories_changed() -> None:
    """Make every app in this process read the categories again (called after each write below)."""
    _generation[0] += 1


class ActiveCategories:
    """The active categories, kept for a few seconds per app. Another process sees a change within
    `seconds`; this one at once."""

    def __init__(self, seconds: float = ACTIVE_CATEGORIES_SECONDS) -> None:
        self.seconds = seconds
        self.rows: list[dict[str, Any]] | None = None
        self.read_at = 0.0
        self.generation = -1

    async def get(self, read: Callable[[], Awaitable[list[dict[str, Any]]]]) -> list[dict[str, Any]]:
        """The list as last read, or `read()` again when it is older than `seconds` or a write came since."""
        fresh = time.monotonic() - self.read_at < self.seconds and self.generation == _generation[0]
        if self.rows is None or not fresh:
            generation = _generation[0]
            self.rows = await read()
            self.read_at, self.generation = time.monotonic(), generation
        return self.rows


_ALL_CATEGORIES_SQL = "SELECT id, slug, names, position, active FROM category ORDER BY position, id"
_ACTIVE_CATEGORIES_SQL = "SELECT id, slug, names, position, active FROM category WHERE active ORDER BY position, id"


async def category_views(*, include_inactive: bool = False) -> list[CategoryView]:
    """Categories in display order (active ones only unless asked)."""
    # Hand-written: every partner's and officer's list of events asks for them.
    rows = await raw_rows(Category._meta.db, _ALL_CATEGORIES_SQL if include_inactive else _ACTIVE_CATEGORIES_SQL)
    return [
        CategoryView(
            id=row["id"],
            slug=row["slug"],
            names={str(k): str(v) for k, v in json_object(row["names"]).items()},
            position=row["position"],
            active=bool(row["active"]),
        )
        for row in rows
    ]


class CategoriesService:
    """Officers add, rename, retire and restore the categories partners file events under."""

    def __init__(self, engine: Engine[Any]) -> None:
        self.engine = engine

    async def all(self, *, include_inactive: bool = False) -> list[CategoryView]:
        """Categories in display order (active ones only unless asked)."""
        return await category_views(include_inactive=include_inactive)

    async def add_category(self, officer: CurrentUser, slug: str, names: dict[str, str]) -> Problems:
        """Add a category (slug: lower-case letters, digits and hyphens)."""
        problems: Problems = {}
        if not slug or len(slug) > 60 or not all(c.isascii() and (c.isalnum() or c == "-") for c in slug):
            problems["slug"] = (N_("Enter a short name using lower-case letters, numbers and hyphens"), {})
        slug = slug.lower()
        if not names.get("en"):
            problems["name_en"] = (N_("Enter the name in English"), {})
        for locale, name in names.items():
            if len(name) > 100:
                problems[f"name_{locale}"] = (N_("Must be %(count)s characters or fewer"), {"count": 100})
        if problems:
            return problems
        async with write_transaction(self.engine):
            if await Category.exists().where(Category.slug == slug):
                return {"slug": (N_("There is already a category with that short name"), {})}
            position = len(await Category.select(Category.id)) + 1
            rows = await Category.insert(
                Category(slug=slug, names={k: v for k, v in names.items() if v}, position=position, active=True)
            ).returning(Category.id)
            await audit.record(
                "category.created", actor=officer, subject_type="category", subject_id=rows[0]["id"], details=names
            )
        categories_changed()
        return {}

    async def rename_category(self, officer: CurrentUser, category_id: int, names: dict[str, str]) -> Problems:
        """Change a category's names (empty names for other languages fall back to English)."""
        problems: Problems = {}
        if not names.get("en"):
            problems["name_en"] = (N_("Enter the name in English"), {})
        for locale, name in names.items():
            if len(name) > 100:
                problems[f"name_{locale}"] = (N_("Must be %(count)s characters or fewer"), {"count": 100})
        if problems:
            return problems
        async with write_transaction(self.engine):
            row = await Category.select(Category.names).where(Category.id == category_id).first()
            if row is None:
                raise EventNotFoundError
            await Category.update({Category.names: {k: v for k, v in names.items() if v}}).where(
                Category.id == category_id
            )
            await audit.record(
                "category.renamed",
                actor=officer,
                subject_type="category",
                subject_id=category_id,
                details={"before": json_object(row["names"]), "after": names},
            )
        categories_changed()
        return {}

    async def set_category_active(self, officer: CurrentUser, category_id: int, *, active: bool) -> None:
        """Deactivate a category (no new events use it; existing ones keep it) or bring it back."""
        async with write_transaction(self.engine):
            if not await Category.exists().where(Category.id == category_id):
                raise EventNotFoundError
            await Category.update({Category.active: active}).where(Category.id == category_id)
            action = "category.activated" if active else "category.deactivated"
            await audit.record(action, actor=officer, subject_type="category", subject_id=category_id)
        categories_changed()

    async def ensure_category(self, slug: str, names: dict[str, str], position: int) -> None:
        """Add a category if missing (idempotent; officers' renames are kept)."""
        if await Category.exists().where(Category.slug == slug):
            return
        await Category.insert(Category(slug=slug, names=names, position=position, active=True)).on_conflict(
            target=Category.slug, action="DO NOTHING"
        )
        categories_changed()
