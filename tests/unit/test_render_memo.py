"""`memo(macro, ...)`: a fragment rendered once per language and arguments, and never served stale.

The macro below counts its own renders (a list it appends to), so each test can tell a reuse from a render.
"""

from __future__ import annotations

from datetime import UTC, datetime
from gettext import NullTranslations
from typing import Any

import msgspec
import pytest
from jinja2 import Environment

from backend.core.i18n import install_i18n
from backend.core.templating import render_memo

SOURCE = """
{%- macro card(item, tag) %}{% do renders.append(item.title) -%}
<{{ tag }}>{{ item.title }} {{ item.starts_at|date("short") }}</{{ tag }}>{% endmacro -%}
{{ memo(card, item, tag) }}"""


class Item(msgspec.Struct):
    """A stand-in for a result card: a struct with a text and a date."""

    title: str
    starts_at: datetime


@pytest.fixture
def environment() -> Environment:
    """Autoescaping, the project's i18n callables and a fresh memo of two fragments."""
    env = Environment(autoescape=True, extensions=["jinja2.ext.do"])
    install_i18n(env)
    env.globals["memo"] = render_memo(size=2)
    return env


def render(env: Environment, renders: list[str], item: Item, tag: Any = "p", locale: str = "en") -> str:
    """The template for one item, in one language; `renders` collects the macro's real renders."""
    return env.from_string(SOURCE).render(
        item=item,
        tag=tag,
        renders=renders,
        render_locale=locale,
        render_translations=NullTranslations(),
        time_zone="Europe/London",
    )


WHEN = datetime(2026, 12, 5, 18, 30, tzinfo=UTC)


def test_the_same_arguments_are_rendered_once_and_give_the_same_html(environment: Environment) -> None:
    renders: list[str] = []
    first = render(environment, renders, Item("Coffee & chat", WHEN))
    again = render(environment, renders, Item("Coffee & chat", WHEN))
    assert first == again == "<p>Coffee &amp; chat 05/12/2026</p>"
    assert renders == ["Coffee & chat"]


def test_any_changed_argument_is_a_fresh_render(environment: Environment) -> None:
    """A new title or a moved date shows at once: the whole argument is the key."""
    renders: list[str] = []
    assert render(environment, renders, Item("Coffee", WHEN)) == "<p>Coffee 05/12/2026</p>"
    assert render(environment, renders, Item("Coffee morning", WHEN)) == "<p>Coffee morning 05/12/2026</p>"
    moved = render(environment, renders, Item("Coffee", datetime(2026, 12, 6, 18, 30, tzinfo=UTC)))
    assert moved == "<p>Coffee 06/12/2026</p>"
    assert len(renders) == 3


def test_each_language_has_its_own_rendering(environment: Environment) -> None:
    renders: list[str] = []
    english = render(environment, renders, Item("Coffee", WHEN), locale="en")
    polish = render(environment, renders, Item("Coffee", WHEN), locale="pl")
    assert english == "<p>Coffee 05/12/2026</p>"
    assert polish == "<p>Coffee 5.12.2026</p>"
    assert len(renders) == 2


def test_markup_and_the_same_text_unescaped_are_different_keys(environment: Environment) -> None:
    """`&` as trusted markup and as typed text render differently, so they must not share a fragment."""
    renders: list[str] = []
    env_markup = environment.from_string("{% set tag = 'b&i'|safe %}" + SOURCE)
    as_markup = env_markup.render(
        item=Item("x", WHEN),
        renders=renders,
        render_locale="en",
        render_translations=NullTranslations(),
        time_zone="Europe/London",
    )
    as_text = render(environment, renders, Item("x", WHEN), tag="b&i")
    assert as_markup.startswith("<b&i>")
    assert as_text.startswith("<b&amp;i>")
    assert len(renders) == 2


def test_the_least_recently_used_fragment_is_dropped_beyond_the_size(environment: Environment) -> None:
    renders: list[str] = []
    for title in ("a", "b", "a", "c", "a", "b"):
        render(environment, renders, Item(title, WHEN))
    # Size 2: "a" stays in use; "b" is dropped when "c" comes, so it is rendered again at the end.
    assert renders == ["a", "b", "c", "b"]


def test_an_argument_that_cannot_be_a_key_is_refused(environment: Environment) -> None:
    with pytest.raises(TypeError, match="memo"):
        render(environment, [], Item("x", WHEN), tag=object())
