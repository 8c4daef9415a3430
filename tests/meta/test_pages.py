"""Every page, in every language, passes the shared HTML checks; error pages are translated HTML for browsers
and JSON for the API, and never show internals."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from bs4 import BeautifulSoup, Tag
from litestar import Litestar, post
from litestar.params import JSONBody, URLEncodedBody
from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.core.guards import CSRF_COOKIE, PUBLIC
from backend.core.i18n import LANGUAGE_COOKIE
from backend.settings import SUPPORTED_LOCALES, Settings
from tests.support.html_checks import check_page
from tests.support.pages import Page, acceptable_status, html_pages, missing_examples, public_pages

Client = AsyncTestClient[Litestar]
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
TRACE_MARKERS = ("Traceback", 'File "', "litestar/", "site-packages")


async def _client(app: Litestar, locale: str | None = None) -> AsyncIterator[Client]:
    async with AsyncTestClient(app=app, base_url="http://127.0.0.1:8000") as client:
        if locale:
            client.cookies.set(LANGUAGE_COOKIE, locale)
        yield client


@pytest.fixture
async def app(sqlite_settings: Settings) -> Litestar:
    # A generous anonymous-POST limit: the form checks below post once per form and locale.
    return create_app(sqlite_settings.with_overrides(anonymous_posts_per_minute=10_000))


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[Client]:
    async for test_client in _client(app):
        yield test_client


def _no_internals(text: str) -> None:
    for marker in TRACE_MARKERS:
        assert marker not in text, f"the response shows internals ({marker!r})"


async def _csrf_token(client: Client) -> str:
    """A valid CSRF token, as a browser gets one: from the cookie set on a GET."""
    await client.get("/", headers=BROWSER)
    token = client.cookies.get(CSRF_COOKIE)
    assert token, "no CSRF cookie after a GET"
    return token


# --- every page ---------------------------------------------------------------------------------------------


def test_every_page_route_has_an_example(sqlite_settings: Settings) -> None:
    pages = html_pages(create_app(sqlite_settings))
    assert pages, "no HTML pages found?"
    missing = missing_examples(pages)
    assert not missing, f"page routes with path parameters need an example in tests/support/pages.py: {missing}"


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
async def test_every_public_page_passes_the_html_checks(app: Litestar, locale: str) -> None:
    pages = public_pages(app)
    assert pages
    async for client in _client(app, locale):
        for page in pages:
            response = await client.get(page.path(locale), headers=BROWSER)
            assert acceptable_status(page, response.status_code), f"{page.path(locale)}: {response.status_code}"
            assert response.headers["content-type"].startswith("text/html")
            try:
                check_page(response.text, locale)
            except AssertionError as exc:
                raise AssertionError(f"{page.path(locale)} in {locale}: {exc}") from exc


async def test_signed_in_pages_turn_anonymous_visitors_away(app: Litestar, client: Client) -> None:
    guarded: list[Page] = [page for page in html_pages(app) if page.guarded and page.example is not None]
    for page in guarded:
        response = await client.get(page.path(), headers=BROWSER, follow_redirects=False)
        location = response.headers.get("location", "") if response.is_redirect else ""
        assert response.status_code in {401, 403} or location.startswith("/sign-in"), (
            f"{page.path()} answered {response.status_code} {location} to an anonymous visitor"
        )
        _no_internals(response.text)


def _post_forms(soup: BeautifulSoup) -> list[Tag]:
    return [form for form in soup.find_all("form") if str(form.get("method") or "").lower() == "post"]


def _get_forms(soup: BeautifulSoup) -> list[Tag]:
    return [form for form in soup.find_all("form") if str(form.get("method") or "").lower() == "get"]


def _check_error_page(response: Any, where: str, locale: str) -> None:
    """A form re-rendered with errors: the house checks, the error summary, a message by each field."""
    assert response.status_code in {200, 400, 422}, f"{where}: {response.status_code}"
    _no_internals(response.text)
    result = check_page(response.text, locale)
    summary = result.select_one(".govuk-error-summary")
    assert summary is not None, f"{where}: no GOV.UK error summary"
    links = summary.select("a[href^='#']")
    assert links, f"{where}: the error summary links to no field"
    for link in links:
        target = str(link["href"])[1:]
        assert result.find(id=target) is not None, f"{where}: summary links to missing #{target}"
    assert result.select(".govuk-error-message"), f"{where}: no message next to a field"


def _form_fields(form: Tag) -> dict[str, str]:
    """What a browser sends when someone presses submit without filling anything in."""
    fields: dict[str, str] = {}
    for element in form.find_all(["input", "select", "textarea"]):
        name = element.get("name")
        if not name or element.get("type") in {"checkbox", "radio", "submit", "file"}:
            continue
        fields[str(name)] = str(element.get("value", "")) if element.get("type") == "hidden" else ""
    return fields


# Forms on public pages that may be sent empty and go on (a button that posts, say): (page template, action).
NOTHING_REQUIRED: frozenset[tuple[str, str]] = frozenset(
    {
        # A device's push settings: every box unticked is a choice (hear about nothing), as is "Stop all".
        ("/notifications/settings", "/notifications/settings"),
        ("/notifications/settings", "/notifications/settings/stop"),
        ("/notifications", "/notifications/settings"),
        ("/notifications", "/notifications/settings/stop"),
    }
)
# Forms with required fields that are known to be there: if they stop being checked, the test must say so.
KNOWN_FORMS = frozenset({"/sign-in", "/sign-in/email", "/password/forgot", "/partners/apply"})


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
async def test_forms_submitted_empty_show_translated_errors_next_to_fields(app: Litestar, locale: str) -> None:
    checked: set[str] = set()
    async for client in _client(app, locale):
        for page in public_pages(app):
            soup = BeautifulSoup((await client.get(page.path(locale), headers=BROWSER)).text, "html.parser")
            for form in _post_forms(soup):
                action = str(form.get("action") or page.path(locale))
                response = await client.post(action, data=_form_fields(form), headers=BROWSER, follow_redirects=False)
                if (page.template, action) in NOTHING_REQUIRED:
                    assert response.status_code < 500, f"{action}: {response.status_code}"
                    continue
                assert not response.is_redirect, (
                    f"the empty {action} form on {page.path(locale)} went through (to {response.headers['location']}):"
                    " a form with required fields must say what is missing; one with none belongs in NOTHING_REQUIRED"
                )
                checked.add(action)
                _check_error_page(response, f"empty {action} form on {page.path(locale)} in {locale}", locale)
            for form in _get_forms(soup):
                action = str(form.get("action") or page.path(locale))
                response = await client.get(action, params=_form_fields(form), headers=BROWSER)
                if response.status_code == 200 and "govuk-error-summary" not in response.text:
                    check_page(response.text, locale)
                    continue
                checked.add(action)
                _check_error_page(response, f"empty GET {action} form on {page.path(locale)} in {locale}", locale)
    assert checked >= KNOWN_FORMS, f"these forms were not checked: {sorted(KNOWN_FORMS - checked)}"


# --- error pages --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
async def test_not_found_is_a_translated_page(app: Litestar, locale: str) -> None:
    async for client in _client(app, locale):
        response = await client.get("/no-such-page", headers=BROWSER)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        _no_internals(response.text)
        check_page(response.text, locale)


async def test_not_found_is_json_for_the_api(client: Client) -> None:
    response = await client.get("/api/v1/no-such-thing", headers=BROWSER)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["status_code"] == 404


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
async def test_method_not_allowed_is_a_translated_page(app: Litestar, locale: str) -> None:
    async for client in _client(app, locale):
        token = await _csrf_token(client)
        response = await client.post("/about", data={"_csrf_token": token}, headers=BROWSER)
        assert response.status_code == 405
        assert response.headers["content-type"].startswith("text/html")
        _no_internals(response.text)
        check_page(response.text, locale)


async def test_method_not_allowed_is_json_for_the_api(client: Client) -> None:
    response = await client.post("/api/v1/ping", json={})
    assert response.status_code == 405
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["status_code"] == 405


@post("/meta/form-sink", opt=PUBLIC, include_in_schema=False, status_code=303)
async def form_sink(data: URLEncodedBody[dict[str, str]]) -> str:
    """A stand-in form handler, so body limits and rate limits can be seen on an HTML route."""
    return str(len(data))


@post("/api/v1/meta-sink", opt=PUBLIC, include_in_schema=False)
async def api_sink(data: JSONBody[dict[str, Any]]) -> dict[str, int]:
    """A stand-in API write."""
    return {"keys": len(data)}


@pytest.mark.parametrize("locale", ["en", "ur"])
async def test_too_large_is_a_translated_page(sqlite_settings: Settings, locale: str) -> None:
    app = create_app(sqlite_settings)
    app.register(form_sink)
    async for client in _client(app, locale):
        token = await _csrf_token(client)
        body = {"text": "x" * (sqlite_settings.max_body_bytes + 10)}
        response = await client.post("/meta/form-sink", data=body, headers={**BROWSER, "x-csrftoken": token})
        assert response.status_code == 413
        assert response.headers["content-type"].startswith("text/html")
        _no_internals(response.text)
        check_page(response.text, locale)


async def test_too_large_is_json_for_the_api(sqlite_settings: Settings) -> None:
    app = create_app(sqlite_settings)
    app.register(api_sink)
    async for client in _client(app):
        response = await client.post("/api/v1/meta-sink", json={"text": "x" * (sqlite_settings.max_body_bytes + 10)})
        assert response.status_code == 413
        assert response.json()["status_code"] == 413


LOW_LIMIT = 3


async def _exhaust(client: Client, path: str, **kwargs: Any) -> Any:
    for attempt in range(LOW_LIMIT):
        response = await client.post(path, **kwargs)
        assert response.status_code < 400, f"POST {attempt + 1} of {LOW_LIMIT} already refused"
    return await client.post(path, **kwargs)


@pytest.mark.parametrize("locale", ["en", "ur"])
async def test_too_many_anonymous_posts_is_a_translated_page_with_retry_after(
    sqlite_settings: Settings, locale: str
) -> None:
    app = create_app(sqlite_settings.with_overrides(anonymous_posts_per_minute=LOW_LIMIT))
    app.register(form_sink)
    async for client in _client(app, locale):
        token = await _csrf_token(client)
        response = await _exhaust(
            client, "/meta/form-sink", data={"text": "hi"}, headers={**BROWSER, "x-csrftoken": token}
        )
        assert response.status_code == 429
        assert response.headers["content-type"].startswith("text/html")
        retry_after = response.headers.get("retry-after")
        assert retry_after is not None, "a 429 must say when to come back (Retry-After)"
        assert retry_after.isdigit()
        assert 0 < int(retry_after) <= 60
        _no_internals(response.text)
        check_page(response.text, locale)


async def test_too_many_anonymous_posts_is_json_for_the_api(sqlite_settings: Settings) -> None:
    app = create_app(sqlite_settings.with_overrides(anonymous_posts_per_minute=LOW_LIMIT))
    app.register(api_sink)
    async for client in _client(app):
        response = await _exhaust(client, "/api/v1/meta-sink", json={"a": "b"})
        assert response.status_code == 429
        assert response.json()["status_code"] == 429
        assert response.headers.get("retry-after", "").isdigit(), "a 429 must carry Retry-After"
