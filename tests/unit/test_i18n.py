from __future__ import annotations

from datetime import UTC, datetime
from gettext import NullTranslations

import pytest
from babel import support
from jinja2 import Environment

from backend.core.i18n import install_i18n, negotiate_locale, parse_accept_language, text_direction
from backend.core.redirects import safe_path


def test_accept_language_is_ordered_by_quality() -> None:
    assert parse_accept_language("en;q=0.5, ur-PK, pl;q=0.8") == ["ur-PK", "pl", "en"]


def test_accept_language_ignores_garbage_and_zero_quality() -> None:
    assert parse_accept_language("pl;q=0, <script>, en;q=abc, ur") == ["ur"]


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        ("pl", "ur", "pl"),  # an explicit choice wins
        (None, "ur-PK,en;q=0.5", "ur"),
        (None, "de-DE, pl;q=0.3", "pl"),
        ("klingon", "fr", "en"),  # unknown everywhere: English
        (None, None, "en"),
        ("", "*", "en"),
    ],
)
def test_locale_negotiation(cookie: str | None, header: str | None, expected: str) -> None:
    assert negotiate_locale(cookie, header, "en") == expected


def test_urdu_is_right_to_left() -> None:
    assert text_direction("ur") == "rtl"
    assert text_direction("pl") == "ltr"


@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("/events?when=today", "/events?when=today"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        (None, "/"),
        ("relative", "/"),
    ],
)
def test_language_switch_only_returns_to_this_site(candidate: str | None, expected: str) -> None:
    assert safe_path(candidate) == expected


@pytest.mark.parametrize(
    ("locale", "form", "expected"),
    [
        ("en", "full", "Saturday, 4 July 2026, 11:30"),
        ("pl", "full", "sobota, 4 lipca 2026 11:30"),
        ("en", "medium", "4 Jul 2026, 11:30"),
        ("pl", "medium", "4 lip 2026, 11:30"),
        ("ur", "medium", "4 جولائی، 2026 11:30"),
    ],
)
def test_date_and_time_read_like_a_person_wrote_them(locale: str, form: str, expected: str) -> None:
    """Pages and emails say when in London time, without seconds or the zone's long name (10:30 UTC is 11:30
    BST), in every form: a booking on the account page once read "4 Jul 2026, 11:30:00"."""
    environment = Environment(autoescape=True)
    install_i18n(environment)
    rendered = environment.from_string("{{ when|datetime(form) }}").render(
        form=form,
        when=datetime(2026, 7, 4, 10, 30, tzinfo=UTC),
        render_locale=locale,
        render_translations=NullTranslations(),
        time_zone="Europe/London",
    )
    assert rendered == expected


class _Catalogue(support.NullTranslations):
    """A catalogue with a few translations of its own (what Babel's compiled catalogues hand back)."""

    def __init__(self, messages: dict[str, str]) -> None:
        super().__init__()
        self.messages = messages

    def gettext(self, message: str) -> str:
        return self.messages.get(message, message)


def test_plain_messages_render_the_same_every_time_and_per_catalogue() -> None:
    """A message without variables is made into Markup once per catalogue: the second page reads the same,
    `%%` is still one percent sign, the catalogue's own markup is kept, and another catalogue its own text."""
    environment = Environment(autoescape=True)
    install_i18n(environment)
    page = environment.from_string('{{ _("Free") }}|{{ _("100%% free") }}|{{ _("Press <b>Book</b>") }}|{{ name }}')
    polish = _Catalogue({"Free": "Bezpłatne", "100%% free": "100%% za darmo"})
    welsh = _Catalogue({"Free": "Am ddim"})
    for _ in range(2):
        assert (
            page.render(render_locale="pl", render_translations=polish, name="<i>")
            == "Bezpłatne|100% za darmo|Press <b>Book</b>|&lt;i&gt;"
        )
        assert page.render(render_locale="cy", render_translations=welsh, name="x") == (
            "Am ddim|100% free|Press <b>Book</b>|x"
        )
