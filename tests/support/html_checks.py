"""The shared checks every rendered page must pass (GOV.UK Notify's client_request idea)."""

from __future__ import annotations

from collections import Counter

from bs4 import BeautifulSoup

from backend.core.i18n import text_direction

BLOCKS = ["p", "div", "ul", "ol", "li", "dd", "td", "th", "pre", "blockquote", "section", "h1", "h2", "h3"]


def check_page(html: str, locale: str) -> BeautifulSoup:
    """Assert the house rules for a page and return the parsed document for further checks."""
    soup = BeautifulSoup(html, "html.parser")
    root = soup.find("html")
    assert root is not None, "no <html> element"
    assert root.get("lang") == locale, f"lang is {root.get('lang')!r}, expected {locale!r}"
    assert root.get("dir") == text_direction(locale), f"dir is {root.get('dir')!r}"

    headings = soup.find_all("h1")
    assert len(headings) == 1, f"expected one <h1>, found {len(headings)}"
    heading = " ".join(headings[0].get_text().split())
    title = soup.title.get_text().strip() if soup.title else ""
    assert heading, "the <h1> is empty"
    assert title.startswith(heading), f"<title> {title!r} does not start with the <h1> {heading!r}"

    ids = [element["id"] for element in soup.find_all(id=True)]
    duplicates = [value for value, count in Counter(ids).items() if count > 1]
    assert not duplicates, f"duplicate ids: {duplicates}"

    for form in soup.find_all("form"):
        method = str(form.get("method") or "").lower()
        assert method in {"get", "post"}, f"a form without an explicit method: {form.get('action')}"
        if method == "post":
            token = form.find("input", attrs={"name": "_csrf_token"})
            assert token is not None, f"POST form {form.get('action')} has no CSRF token field"
            assert token.get("value"), f"POST form {form.get('action')} has an empty CSRF token"

    # A block in another language whose direction differs from the page's (English on an Urdu page) must say
    # so with `dir`, or it inherits the page's direction and its full stops and numbers land at the wrong end.
    page_direction = text_direction(locale)
    for block in soup.find_all(BLOCKS, attrs={"lang": True}):
        if text_direction(str(block["lang"])) != page_direction:
            assert block.get("dir"), f'<{block.name} lang="{block["lang"]}"> has no dir on a {page_direction} page'

    for script in soup.find_all("script"):
        assert script.get("src"), "inline <script> found"
        assert not script.get_text().strip(), "a <script> with a src also has inline content"
    assert not soup.find_all(style=True), "inline style attribute found (the CSP blocks it)"
    assert not soup.find_all("style"), "inline <style> element found (the CSP blocks it)"
    for element in soup.find_all(True):
        for attribute in element.attrs:
            assert not attribute.lower().startswith("on"), f"inline event handler {attribute} on <{element.name}>"
    return soup
