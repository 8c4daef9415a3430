from __future__ import annotations

from typing import Any

from litestar import Litestar, get, post
from litestar.params import RawBody
from litestar.testing import AsyncTestClient

from backend.core.guards import PUBLIC
from tests.support.html_checks import check_page

Client = AsyncTestClient[Litestar]


async def test_home_page_in_english(client: Client) -> None:
    response = await client.get("/", headers={"Accept-Language": "en-GB"})
    assert response.status_code == 200
    soup = check_page(response.text, "en")
    assert soup.find("h1").get_text(strip=True) == "Your neighbourhood, heard"


async def test_language_choice_is_remembered_and_returns_to_the_page(client: Client) -> None:
    response = await client.get("/language/ur", params={"next": "/about"}, follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["location"] == "/about"
    page = await client.get("/about")
    assert page.status_code == 200
    about = check_page(page.text, "ur")
    # The licences' English words read left to right inside the Urdu page (their full stops at the end).
    licences = [item.find("span", recursive=False) for item in about.select("main ul.govuk-list--bullet li")]
    assert len(licences) == 4
    assert all(span and (span["lang"], span["dir"]) == ("en", "ltr") for span in licences)


async def test_unknown_locale_cookie_falls_back_to_the_header_then_english(client: Client) -> None:
    client.cookies.set("hearby_lang", "xx")
    polish = await client.get("/", headers={"Accept-Language": "pl"})
    assert polish.status_code == 200
    check_page(polish.text, "pl")
    german = await client.get("/", headers={"Accept-Language": "de"})
    assert german.status_code == 200
    check_page(german.text, "en")


async def test_security_headers_on_pages_errors_and_static_files(client: Client) -> None:
    for path, status in (("/", 200), ("/no-such-page", 404), ("/static/js/app.js", 200)):
        response = await client.get(path)
        assert response.status_code == status, path
        policy = response.headers["content-security-policy"]
        assert "unsafe-inline" not in policy
        assert "script-src 'self'" in policy
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "strict-origin-when-cross-origin"
        assert "camera=()" in response.headers["permissions-policy"]
        assert response.headers["cross-origin-opener-policy"] == "same-origin"
        # HSTS belongs to production over https only.
        assert "strict-transport-security" not in response.headers


async def test_anonymous_visitors_get_no_session_cookie(client: Client) -> None:
    response = await client.get("/")
    assert response.status_code == 200
    assert "set-cookie" in response.headers  # the CSRF cookie: so the check below looks at a real header
    assert "hearby_session" not in response.headers.get("set-cookie", "")


async def test_health_reports_the_database(client: Client) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


async def test_ping(client: Client) -> None:
    response = await client.get("/api/v1/ping")
    assert response.status_code == 200
    assert response.json() == {"ping": "pong"}


async def test_error_pages_are_translated_html_for_browsers(client: Client) -> None:
    response = await client.get("/no-such-page", headers={"Accept": "text/html", "Accept-Language": "ur"})
    assert response.status_code == 404
    soup = check_page(response.text, "ur")
    assert "Traceback" not in response.text
    assert soup.find("h1") is not None


async def test_errors_are_json_for_the_api(client: Client) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.json()["status_code"] == 404


async def test_method_not_allowed(client: Client) -> None:
    page = await client.delete("/about", headers={"Accept": "text/html"})
    assert page.status_code == 405
    assert set(page.headers["allow"].replace(" ", "").split(",")) == {"GET", "OPTIONS"}
    api = await client.delete("/api/v1/ping")
    assert api.status_code == 405
    assert set(api.headers["allow"].replace(" ", "").split(",")) == {"GET", "OPTIONS"}


async def test_over_large_bodies_are_refused(app: Litestar) -> None:
    @post("/api/v1/echo-size", opt=PUBLIC, include_in_schema=False)
    async def echo_size(body: RawBody) -> dict[str, int]:
        return {"size": len(body)}

    app.register(echo_size)
    async with AsyncTestClient(app=app) as test_client:
        small = await test_client.post("/api/v1/echo-size", content=b"x" * 1000)
        assert small.json() == {"size": 1000}
        large = await test_client.post("/api/v1/echo-size", content=b"x" * 2_000_000)
        assert large.status_code == 413
        assert large.json()["status_code"] == 413


async def test_unexpected_errors_show_no_stack_trace(app: Litestar) -> None:
    @get("/explode", opt=PUBLIC, include_in_schema=False)
    async def explode() -> Any:
        raise RuntimeError("secret internals")

    app.register(explode)
    async with AsyncTestClient(app=app) as test_client:
        page = await test_client.get("/explode", headers={"Accept": "text/html"})
        assert page.status_code == 500
        assert "secret internals" not in page.text
        assert "Traceback" not in page.text
        check_page(page.text, "en")
