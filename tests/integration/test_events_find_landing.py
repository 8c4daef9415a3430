"""After "Show events" the resident lands on the results (no JavaScript): the form submits to the results'
fragment, "More filters" stays closed, and the search is summarised above the results with a way back."""

from __future__ import annotations

from bs4 import BeautifulSoup
from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.support.html_checks import check_page

Client = AsyncTestClient[Litestar]


async def test_show_events_lands_on_the_results_with_the_search_summarised(client: Client) -> None:
    page = await client.get("/events", params={"q": "coffee", "free": "true", "online": "false"})
    assert page.status_code == 200
    soup = check_page(page.text, "en")
    form = soup.find("form", attrs={"method": "get"})
    assert form is not None
    assert form.get("action") == "/events#results"  # a GET form keeps its action's fragment
    assert form.get("id") == "filters"
    details = form.find("details")
    assert details is not None
    assert not details.has_attr("open")  # "More filters" closed, though two of its filters are set

    results = soup.find(id="results")
    assert results is not None
    summary = {
        row.find("dt").get_text(strip=True): row.find("dd").get_text(" ", strip=True)
        for row in results.find_all(class_="govuk-summary-list__row")
    }
    assert summary == {"Search": "coffee", "In person or online": "In person", "Cost": "Free events only"}
    change = results.find("a", string="Change filters")
    assert change is not None
    assert change["href"] == "#filters"
    assert results.find("h2") is not None  # the results heading is inside the fragment landed on


async def test_a_first_visit_has_no_summary_and_an_error_opens_more_filters(client: Client) -> None:
    first = BeautifulSoup((await client.get("/events")).text, "html.parser")
    assert first.find(class_="hb-filter-summary") is None
    wrong = await client.get("/events", params={"from": "not a date"})
    assert wrong.status_code == 400
    details = BeautifulSoup(wrong.text, "html.parser").find("details")
    assert details is not None
    assert details.has_attr("open")
