"""An Atom feed (RFC 4287) of upcoming events, built with ElementTree so every value is escaped."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree import ElementTree as ET

ATOM_NS = "http://www.w3.org/2005/Atom"
ATOM_MEDIA_TYPE = "application/atom+xml; charset=utf-8"


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One entry: an occurrence, already in the reader's language."""

    id: str  # a stable tag: URI
    title: str
    url: str
    summary: str
    updated: datetime
    when: str  # the date and time, formatted for the reader
    where: str
    language: str


def _iso(value: datetime) -> str:
    aware = value if value.tzinfo else value.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def atom_feed(
    *,
    feed_id: str,
    title: str,
    self_url: str,
    page_url: str,
    updated: datetime,
    language: str,
    items: Sequence[FeedItem],
) -> bytes:
    """The feed document, UTF-8 encoded with an XML declaration."""
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, name: str, text: str | None = None, **attributes: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{name}", attributes)
        if text is not None:
            element.text = text
        return element

    root = ET.Element(f"{{{ATOM_NS}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": language})
    sub(root, "id", feed_id)
    sub(root, "title", title)
    sub(root, "updated", _iso(updated))
    sub(root, "link", rel="self", type="application/atom+xml", href=self_url)
    sub(root, "link", rel="alternate", type="text/html", href=page_url)
    author = sub(root, "author")
    sub(author, "name", title)
    for item in items:
        entry = sub(root, "entry")
        sub(entry, "id", item.id)
        sub(entry, "title", item.title, type="text")
        sub(entry, "updated", _iso(item.updated))
        sub(entry, "link", rel="alternate", type="text/html", href=item.url)
        lines = [line for line in (item.when, item.where, item.summary) if line]
        sub(entry, "summary", "\n".join(lines), type="text")
    return bytes(ET.tostring(root, encoding="utf-8", xml_declaration=True))
