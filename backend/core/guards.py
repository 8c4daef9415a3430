"""Route authorisation: every handler either has guards or is explicitly public (a meta-test checks)."""

from __future__ import annotations

from typing import Any

# Put on handlers anyone may use, signed in or not: `@get("/", opt=PUBLIC)`.
PUBLIC: dict[str, Any] = {"public": True}


def is_public(opt: dict[str, Any]) -> bool:
    """True when a handler (or its router/controller) carries the public marker."""
    return bool(opt.get("public"))
