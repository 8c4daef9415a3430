"""Small helpers shared by the engagement services: JSON columns, hashing, text in a language, areas."""

from __future__ import annotations

import hashlib
import json
import secrets
from typing import Any

from piccolo.engine.base import Engine

from backend.areas.services import AreasService
from backend.engagement.schemas import MAX_PAGE


def json_list(value: Any) -> list[Any]:
    """A JSON column holding a list (both engines hand JSON back as text)."""
    if isinstance(value, str):
        decoded = json.loads(value or "[]")
        return decoded if isinstance(decoded, list) else []
    return value if isinstance(value, list) else []


def digest(value: str) -> str:
    """How tokens and idempotency keys are stored: SHA-256, hex."""
    return hashlib.sha256(value.encode()).hexdigest()


def new_token() -> str:
    """A URL-safe secret for a private link."""
    return secrets.token_urlsafe(32)


def in_language(texts: dict[str, Any], locale: str) -> tuple[str, str]:
    """The text in `locale`, else English, else any: (text, the language it is in)."""
    for code in (locale, "en", *texts):
        value = texts.get(code)
        if isinstance(value, str) and value.strip():
            return value, code
    return "", locale


async def district_names(engine: Engine[Any]) -> dict[str, str]:
    """District code → name, in the areas domain's order."""
    return {district.code: district.name for district in await AreasService(engine).list_districts()}


def safe_page(value: str | None) -> str:
    """A path on this site (never another site's address): what the feedback is about, and where to go back."""
    if not value or not value.startswith("/") or value.startswith("//") or len(value) > MAX_PAGE:
        return "/"
    return "".join(character for character in value if character.isprintable() and not character.isspace()) or "/"
