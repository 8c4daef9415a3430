"""Paged lists: how many pages a number of items fills."""

from __future__ import annotations


def page_count(total: int, per_page: int) -> int:
    """Pages for `total` items, `per_page` to a page; one page even when there is nothing to show."""
    return max(1, -(-total // per_page))
