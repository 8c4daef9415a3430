"""How many pages a list fills."""

from __future__ import annotations

import pytest

from backend.core.paging import page_count


@pytest.mark.parametrize(("total", "expected"), [(0, 1), (1, 1), (50, 1), (51, 2), (100, 2), (101, 3)])
def test_a_list_fills_whole_pages_and_at_least_one(total: int, expected: int) -> None:
    assert page_count(total, 50) == expected
