"""The one rule for following a return path given by the client (`?next=`, a form field, the session)."""

from __future__ import annotations

from urllib.parse import urlsplit

MAX_PATH = 2000


def safe_path(candidate: str | None, default: str = "/") -> str:
    """`candidate` when it is a path on this site, else `default` (no open redirects).

    Refused: anything with a scheme or host (`https://x`, `//x`), not starting with one `/`, a backslash
    (browsers read `/\\x` as `//x`), control characters, or longer than MAX_PATH.
    """
    if not candidate or len(candidate) > MAX_PATH:
        return default
    parts = urlsplit(candidate)
    if parts.scheme or parts.netloc or not candidate.startswith("/") or candidate.startswith("//"):
        return default
    if "\\" in candidate or any(ord(ch) < 32 or ord(ch) == 127 for ch in candidate):
        return default
    return candidate
