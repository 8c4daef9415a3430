"""The plain-markup components (frontend/templates/components/govuk.html) against the GOV.UK Frontend macros.

The hot pages render GOV.UK form components as plain markup for speed. For each component and a range of
inputs (hint, error, both, attributes, checked and selected items, fieldsets), both are rendered and compared
as element trees: the same elements in the same order, the same attributes with the same values (classes as
sets) and the same text. Whitespace between tags is not compared.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from jinja2 import ChainableUndefined, ChoiceLoader, Environment, FileSystemLoader, PackageLoader, PrefixLoader

from backend.core.templating import TEMPLATES_DIR

VOID = frozenset({"input", "br", "meta", "link", "img", "hr"})


class _Tree(HTMLParser):
    """Elements as (depth, tag, attributes) and text as (depth, "#text", text)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.nodes: list[tuple[int, str, Any]] = []
        self.depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: frozenset((value or "").split()) if name == "class" else value for name, value in attrs}
        self.nodes.append((self.depth, tag, found))
        if tag not in VOID:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text:
            self.nodes.append((self.depth, "#text", text))


def tree(html: str) -> list[tuple[int, str, Any]]:
    """The element tree of a fragment."""
    parser = _Tree()
    parser.feed(html)
    parser.close()
    return parser.nodes


@pytest.fixture(scope="module")
def environment() -> Environment:
    """Our templates and the GOV.UK macros, with the same options as the app's environment."""
    env = Environment(
        loader=ChoiceLoader(
            [
                FileSystemLoader(str(TEMPLATES_DIR)),
                PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
            ]
        ),
        autoescape=True,
        undefined=ChainableUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        extensions=["jinja2.ext.i18n"],
    )
    env.install_null_translations(newstyle=True)  # type: ignore[attr-defined]
    return env


def govuk(environment: Environment, component: str, macro: str, params: dict[str, Any]) -> str:
    """The GOV.UK macro's HTML for these parameters."""
    source = f'{{% from "govuk_frontend_jinja/components/{component}/macro.html" import {macro} %}}{{{{ {macro}(p) }}}}'
    return environment.from_string(source).render(p=params)


def ours(environment: Environment, call: str, **values: Any) -> str:
    """Our component's HTML: `call` is the Jinja expression, e.g. `govuk.input("q", "Search")`."""
    source = '{% import "components/govuk.html" as govuk with context %}{{ ' + call + " }}"
    return environment.from_string(source).render(**values)


ERROR = {"text": "Enter a real postcode", "visuallyHiddenText": "Error"}

INPUTS = [
    pytest.param(
        {"id": "q", "name": "q", "label": {"text": "Search"}, "value": ""},
        'govuk.input("q", "Search", "")',
        id="plain",
    ),
    pytest.param(
        {
            "id": "q",
            "name": "q",
            "type": "search",
            "label": {"text": "Search", "classes": "govuk-label--s"},
            "hint": {"text": "Words in the name"},
            "value": "coffee & cake",
            "spellcheck": False,
        },
        'govuk.input("q", "Search", "coffee & cake", type="search", label_classes="govuk-label--s", '
        'hint="Words in the name", spellcheck=false)',
        id="hint-spellcheck",
    ),
    pytest.param(
        {
            "id": "postcode",
            "name": "postcode",
            "label": {"text": "Postcode", "classes": "govuk-label--s"},
            "hint": {"text": "For example, OX4 1AA"},
            "value": "zz",
            "classes": "govuk-input--width-10",
            "autocomplete": "postal-code",
            "spellcheck": False,
            "autocapitalize": "characters",
            "errorMessage": ERROR,
        },
        'govuk.input("postcode", "Postcode", "zz", label_classes="govuk-label--s", hint="For example, OX4 1AA", '
        'classes="govuk-input--width-10", autocomplete="postal-code", spellcheck=false, autocapitalize="characters", '
        'error="Enter a real postcode")',
        id="hint-error-attributes",
    ),
    pytest.param(
        {
            "id": "places",
            "name": "places",
            "label": {"text": "Number of places", "classes": "govuk-label--s"},
            "value": "1",
            "inputmode": "numeric",
            "classes": "govuk-input--width-2",
            "errorMessage": ERROR,
        },
        'govuk.input("places", "Number of places", "1", label_classes="govuk-label--s", inputmode="numeric", '
        'classes="govuk-input--width-2", error="Enter a real postcode")',
        id="error-inputmode",
    ),
    pytest.param(
        {
            "id": "email",
            "name": "email",
            "type": "email",
            "label": {"text": "Email"},
            "value": "a@b.c",
            "spellcheck": True,
        },
        'govuk.input("email", "Email", "a@b.c", type="email", spellcheck=true)',
        id="spellcheck-true",
    ),
]


@pytest.mark.parametrize(("params", "call"), INPUTS)
def test_input_matches_the_govuk_macro(environment: Environment, params: dict[str, Any], call: str) -> None:
    """Text inputs: label, hint, error message, classes and attributes."""
    assert tree(ours(environment, call)) == tree(govuk(environment, "input", "govukInput", params))


@pytest.mark.parametrize(
    ("params", "call"),
    [
        pytest.param(
            {
                "id": "t",
                "name": "t",
                "rows": 4,
                "label": {"text": "Access needs", "classes": "govuk-label--s"},
                "value": "",
            },
            'govuk.textarea("t", "Access needs", "", rows=4, label_classes="govuk-label--s")',
            id="plain",
        ),
        pytest.param(
            {
                "id": "t",
                "name": "t",
                "rows": 4,
                "label": {"text": "Access needs", "classes": "govuk-label--s"},
                "hint": {"text": "Tell the organiser"},
                "value": "A ramp <please>",
                "errorMessage": ERROR,
            },
            'govuk.textarea("t", "Access needs", "A ramp <please>", rows=4, label_classes="govuk-label--s", '
            'hint="Tell the organiser", error="Enter a real postcode")',
            id="hint-error",
        ),
    ],
)
def test_textarea_matches_the_govuk_macro(environment: Environment, params: dict[str, Any], call: str) -> None:
    """Textareas: label, hint, error message, rows and the value typed."""
    assert tree(ours(environment, call)) == tree(govuk(environment, "textarea", "govukTextarea", params))


@pytest.mark.parametrize("with_error", [False, True])
def test_select_matches_the_govuk_macro(environment: Environment, with_error: bool) -> None:
    """Selects: the chosen option is selected, the empty first option is not marked."""
    params: dict[str, Any] = {
        "id": "district",
        "name": "district",
        "label": {"text": "District", "classes": "govuk-label--s"},
        "items": [
            {"value": "", "text": "Anywhere"},
            {"value": "E1", "text": "Cherwell", "selected": False},
            {"value": "E2", "text": "Oxford & around", "selected": True},
        ],
    }
    if with_error:
        params["errorMessage"] = ERROR
    call = (
        'govuk.select("district", "District", [("", "Anywhere"), ("E1", "Cherwell"), ("E2", "Oxford & around")], '
        '"E2", label_classes="govuk-label--s", error=error)'
    )
    expected = tree(govuk(environment, "select", "govukSelect", params))
    assert tree(ours(environment, call, error="Enter a real postcode" if with_error else None)) == expected


CHOICES = [("", "Any time"), ("today", "Today"), ("weekend", "This weekend")]


@pytest.mark.parametrize(("kind", "macro"), [("radios", "govukRadios"), ("checkboxes", "govukCheckboxes")])
@pytest.mark.parametrize("with_hint", [False, True])
@pytest.mark.parametrize("with_error", [False, True])
def test_choices_in_a_fieldset_match_the_govuk_macro(
    environment: Environment, kind: str, macro: str, with_hint: bool, with_error: bool
) -> None:
    """Radios and checkboxes with a legend: fieldset, hint, error, item ids (`when`, `when-2`, …), checked."""
    params: dict[str, Any] = {
        "name": "when",
        "idPrefix": "when",
        "classes": f"govuk-{kind}--small",
        "fieldset": {"legend": {"text": "When", "classes": "govuk-fieldset__legend--s"}},
        "items": [{"value": value, "text": text, "checked": value == "today"} for value, text in CHOICES],
    }
    if with_hint:
        params["hint"] = {"text": "Pick one"}
    if with_error:
        params["errorMessage"] = ERROR
    call = (
        f'govuk.choices("{kind}", "when", options, ("today",), legend="When", '
        f'legend_classes="govuk-fieldset__legend--s", classes="govuk-{kind}--small", hint=hint, error=error)'
    )
    html = ours(
        environment,
        call,
        options=CHOICES,
        hint="Pick one" if with_hint else None,
        error="Enter a real postcode" if with_error else None,
    )
    assert tree(html) == tree(govuk(environment, kind, macro, params))


def test_a_single_checkbox_without_a_fieldset_matches_the_govuk_macro(environment: Environment) -> None:
    """The "Free events only" box: no fieldset, one item."""
    params = {
        "name": "free",
        "idPrefix": "free",
        "classes": "govuk-checkboxes--small",
        "items": [{"value": "true", "text": "Free events only", "checked": True}],
    }
    call = (
        'govuk.choices("checkboxes", "free", [("true", "Free events only")], ("true",), '
        'classes="govuk-checkboxes--small")'
    )
    assert tree(ours(environment, call)) == tree(govuk(environment, "checkboxes", "govukCheckboxes", params))


@pytest.mark.parametrize("prevent", [False, True])
def test_button_matches_the_govuk_macro(environment: Environment, prevent: bool) -> None:
    """Submit buttons, with and without the double-click guard and extra classes."""
    params: dict[str, Any] = {"text": "Book", "classes": "govuk-button--secondary" if prevent else ""}
    if prevent:
        params["preventDoubleClick"] = True
    call = f'govuk.button("Book", classes="{params["classes"]}", prevent_double_click={str(prevent).lower()})'
    assert tree(ours(environment, call)) == tree(govuk(environment, "button", "govukButton", params))


def test_error_summary_matches_the_govuk_macro(environment: Environment) -> None:
    """The error summary links each message to its field, in order."""
    params = {
        "titleText": "There is a problem",
        "errorList": [{"text": "Enter your name", "href": "#name"}, {"text": "Enter an email", "href": "#email"}],
    }
    html = ours(
        environment, "govuk.error_summary(errors)", errors={"name": "Enter your name", "email": "Enter an email"}
    )
    assert tree(html) == tree(govuk(environment, "error-summary", "govukErrorSummary", params))
    assert ours(environment, "govuk.error_summary(errors)", errors={}).strip() == ""
