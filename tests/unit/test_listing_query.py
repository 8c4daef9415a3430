"""The listing search's SQL depends only on which filters are set: two searches that differ only in their
values (another postcode, another word, another day) send the same text with other parameters, so a
connection prepares each shape once. The bits of a bit-set filter stay in the text (PostgreSQL keeps
statistics on each bit), and a typed word never does."""

from __future__ import annotations

from datetime import UTC, datetime

from backend.events.listing_query import listing_query
from backend.events.search_types import Criteria

NOON = datetime(2026, 12, 5, 12, tzinfo=UTC)


def test_searches_differing_only_in_values_share_their_sql() -> None:
    around_cowley = Criteria(starts_from=NOON, centre=(51.73, -1.21), radius_miles=3, terms=("coffee",))
    around_banbury = Criteria(starts_from=NOON, centre=(52.06, -1.34), radius_miles=10, terms=("choir",))
    for postgres in (True, False):
        first = listing_query(around_cowley, postgres=postgres).cards_page("en", 20, 0)
        second = listing_query(around_banbury, postgres=postgres).cards_page("pl", 20, 40)
        assert first[0] == second[0]
        assert first[1] != second[1]
        assert "%coffee%" in first[1]
        assert "coffee" not in first[0]
        assert "51.73" not in first[0]


def test_each_filter_set_is_its_own_shape_with_its_bits_in_the_text() -> None:
    plain = listing_query(Criteria(starts_from=NOON), postgres=True)
    step_free = listing_query(Criteria(starts_from=NOON, accessibility_mask=0b101), postgres=True)
    in_district = listing_query(Criteria(starts_from=NOON, district_code="E07000178"), postgres=True)
    texts = {
        plain.cards_page("en", 20, 0)[0],
        step_free.cards_page("en", 20, 0)[0],
        in_district.cards_page("en", 20, 0)[0],
    }
    assert len(texts) == 3
    assert "(accessibility & 1) = 1" in step_free.where
    assert "(accessibility & 4) = 4" in step_free.where
    assert "E07000178" not in in_district.where
    assert "E07000178" in in_district.where_params


def test_every_placeholder_has_its_value() -> None:
    criteria = Criteria(
        starts_from=NOON,
        starts_before=datetime(2026, 12, 12, tzinfo=UTC),
        district_code="E07000178",
        category_id=3,
        online=False,
        terms=("tea", "cake"),
        centre=(51.75, -1.25),
        radius_miles=5,
    )
    for postgres in (True, False):
        query = listing_query(criteria, postgres=postgres)
        for sql, params in (query.cards_page("en", 20, 0), query.count(), query.soonest_first().page_ids(200)):
            assert sql.count("{}") == len(params)
