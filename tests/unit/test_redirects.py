"""One rule for every return path a client gives (language switch, sign-in's `next`)."""

from __future__ import annotations

import pytest

from backend.core.redirects import safe_path


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("/events/12?when=today#dates", "/events/12?when=today#dates"),
        ("/partner/events", "/partner/events"),
        ("https://evil.example/account", "/account"),
        ("//evil.example/account", "/account"),
        ("/\\evil.example", "/account"),
        ("\\\\evil.example", "/account"),
        ("javascript:alert(1)", "/account"),
        ("/account\r\nSet-Cookie: x=1", "/account"),
        ("/a\x7f", "/account"),
        ("account", "/account"),
        ("", "/account"),
        (None, "/account"),
        ("/" + "a" * 2000, "/account"),
    ],
)
def test_only_paths_on_this_site_are_followed(candidate: str | None, expected: str) -> None:
    assert safe_path(candidate, "/account") == expected
