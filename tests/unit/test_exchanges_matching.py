"""The matcher's properties (hypothesis) and its optimality against brute force on small pools."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import combinations

from hypothesis import given, settings
from hypothesis import strategies as st

from backend.exchanges.matching import Candidate, Pair, SlotSpec, greedy_slot, match_slot, match_slots

START = datetime(2027, 3, 1, 18, 0, tzinfo=UTC)
END = START + timedelta(hours=1)
LANGS = ("en", "pl", "ur")
NEEDS = ("step_free", "hearing_loop", "quiet_room")


def slot(capacity: int = 10, threshold: int = 0, **extra: object) -> SlotSpec:
    values: dict[str, object] = {
        "id": 1,
        "starts_at": START,
        "ends_at": END,
        "capacity": capacity,
        "threshold": threshold,
        "languages": frozenset({"en"}),
    }
    values.update(extra)
    return SlotSpec(**values)  # type: ignore[arg-type]


def person(pid: int, stances: tuple[int, ...], **extra: object) -> Candidate:
    values: dict[str, object] = {"id": pid, "person": f"p{pid}", "stances": stances, "languages": frozenset({"en"})}
    values.update(extra)
    return Candidate(**values)  # type: ignore[arg-type]


def test_a_hand_worked_pool() -> None:
    # Disagreements (sum of |differences|): 1-2: 6, 1-3: 2, 1-4: 4, 2-3: 4, 2-4: 2, 3-4: 2.
    # Two pairs: {1,2}+{3,4} = 8, {1,4}+{2,3} = 8, {1,3}+{2,4} = 4. With threshold 5, only 1-2 qualifies.
    pool = [person(1, (1, 1, 1)), person(2, (5, 3, 1)), person(3, (3, 1, 1)), person(4, (3, 3, 1))]
    assert match_slot(slot(threshold=5), pool) == [Pair(1, 2, 6)]
    assert sum(p.disagreement for p in match_slot(slot(threshold=0), pool)) == 8
    # With threshold 3 only 1-2 (6), 1-4 (4) and 2-3 (4) qualify: 1-4 with 2-3 (8) beats 1-2 alone (6).
    assert match_slot(slot(threshold=3), pool) == [Pair(1, 4, 4), Pair(2, 3, 4)]
    # Capacity one: the single most disagreeing pair.
    assert match_slot(slot(capacity=1), pool) == [Pair(1, 2, 6)]


def test_language_interpreter_needs_history_and_busy() -> None:
    polish = person(1, (1, 1, 1), languages=frozenset({"pl"}))
    urdu = person(2, (5, 5, 5), languages=frozenset({"ur"}))
    both_slot = slot(languages=frozenset({"pl", "ur"}))
    assert match_slot(both_slot, [polish, urdu]) == []  # no shared language, no interpreter
    assert match_slot(slot(languages=frozenset({"pl", "ur"}), interpreter=True), [polish, urdu]) == [Pair(1, 2, 12)]
    step_free = person(3, (1, 1, 1), needs=frozenset({"step_free"}))
    other = person(4, (5, 5, 5))
    assert match_slot(slot(), [step_free, other]) == []
    assert match_slot(slot(features=frozenset({"step_free"})), [step_free, other]) == [Pair(3, 4, 12)]
    assert match_slot(slot(online=True), [step_free, other]) == [Pair(3, 4, 12)]
    met_before = person(5, (1, 1, 1), previous_partners=frozenset({"p4"}))
    assert match_slot(slot(), [met_before, other]) == []
    busy = person(6, (1, 1, 1), busy=((START + timedelta(minutes=30), END + timedelta(hours=1)),))
    assert match_slot(slot(), [busy, other]) == []
    just_after = person(7, (1, 1, 1), busy=((END, END + timedelta(hours=1)),))
    assert match_slot(slot(), [just_after, other]) == [Pair(4, 7, 12)]
    same_person = person(8, (1, 1, 1), person="p4")
    assert match_slot(slot(), [same_person, other]) == []


def test_a_full_slot_takes_the_best_pairs_it_can_hold_not_the_best_answer_cut_down() -> None:
    # Six people in a row, each sharing a language only with their neighbours (no interpreter), so the only
    # possible pairs are neighbours. Stances: 1 (3,3,2), 2 (1,1,1), 3 (5,5,2), 4 (1,1,1), 5 (5,5,2), 6 (3,3,1).
    # Neighbours disagree by 1-2: 5, 2-3: 9, 3-4: 9, 4-5: 9, 5-6: 5.
    # Three pairs fit best as 1-2, 3-4, 5-6 (19; 2-3 with 4-5 leaves 1 and 6 with nobody, 18).
    # Two pairs: 2-3 with 4-5 (18) beats every two taken from the three-pair answer (at most 14).
    languages = [{"en"}, {"en", "pl"}, {"pl", "ur"}, {"ur", "pa"}, {"pa", "ar"}, {"ar"}]
    stances = [(3, 3, 2), (1, 1, 1), (5, 5, 2), (1, 1, 1), (5, 5, 2), (3, 3, 1)]
    row = [person(i + 1, stances[i], languages=frozenset(languages[i])) for i in range(6)]
    every_language = frozenset({"en", "pl", "ur", "pa", "ar"})
    assert match_slot(slot(capacity=3, threshold=5, languages=every_language), row) == [
        Pair(1, 2, 5),
        Pair(3, 4, 9),
        Pair(5, 6, 5),
    ]
    assert match_slot(slot(capacity=2, threshold=5, languages=every_language), row) == [Pair(2, 3, 9), Pair(4, 5, 9)]
    one = match_slot(slot(capacity=1, threshold=5, languages=every_language), row)
    assert one in ([Pair(2, 3, 9)], [Pair(3, 4, 9)], [Pair(4, 5, 9)])


def test_when_several_answers_are_best_one_of_them_comes_back() -> None:
    # Three pairs of opposites, 12 apart (1-2, 3-4, 5-6); every other pair is 4 or 8 apart.
    # Worked out: 1 (1,1,1), 2 (5,5,5), 3 (5,5,1), 4 (1,1,5), 5 (1,5,1), 6 (5,1,5):
    # 1-3 8, 1-4 4, 1-5 4, 1-6 8, 2-3 4, 2-4 8, 2-5 8, 2-6 4, 3-5 4, 3-6 8, 4-5 8, 4-6 4.
    # Room for two pairs: any two of the three opposites (24), and nothing else reaches 24. This is the case
    # where the best totals for 1, 2 and 3 pairs (12, 24, 36) lie on a line, so no charge per pair picks out two.
    pool = [
        person(1, (1, 1, 1)),
        person(2, (5, 5, 5)),
        person(3, (5, 5, 1)),
        person(4, (1, 1, 5)),
        person(5, (1, 5, 1)),
        person(6, (5, 1, 5)),
    ]
    opposites = [Pair(1, 2, 12), Pair(3, 4, 12), Pair(5, 6, 12)]
    two = match_slot(slot(capacity=2, threshold=4), pool)
    assert two in ([opposites[0], opposites[1]], [opposites[0], opposites[2]], [opposites[1], opposites[2]])
    assert match_slot(slot(capacity=3, threshold=4), pool) == opposites
    assert match_slot(slot(capacity=1, threshold=4), pool)[0] in opposites
    # With a threshold of 9 only the opposites qualify; with 13, nobody.
    assert len(match_slot(slot(capacity=2, threshold=9), pool)) == 2
    assert match_slot(slot(capacity=2, threshold=13), pool) == []


def test_between_two_best_sizes_the_pairs_are_rebuilt_not_cut_down() -> None:
    # Two rows of four people, each sharing a language only with their neighbours. In each row the middle
    # neighbours disagree by 11 and the outer ones by 8: stances (5,5,1), (1,1,1), (5,5,4), (1,1,4).
    # From one row: its middle pair (11) or its two outer pairs (16). Best totals: 1 pair 11, 2 pairs 22
    # (both middles), 3 pairs 27, 4 pairs 32 (every outer pair) — 22, 27, 32 lie on a line.
    # Three pairs: one row's outer pairs and the other's middle (27). The four-pair answer cut down to its
    # three best pairs would hold only 24.
    languages = [{"en"}, {"en", "pl"}, {"pl", "ur"}, {"ur"}, {"pa"}, {"pa", "ar"}, {"ar", "ro"}, {"ro"}]
    stances = [(5, 5, 1), (1, 1, 1), (5, 5, 4), (1, 1, 4)] * 2
    rows = [person(i + 1, stances[i], languages=frozenset(languages[i])) for i in range(8)]
    spoken = frozenset({"en", "pl", "ur", "pa", "ar", "ro"})
    outer = [Pair(1, 2, 8), Pair(3, 4, 8), Pair(5, 6, 8), Pair(7, 8, 8)]
    assert match_slot(slot(capacity=4, threshold=4, languages=spoken), rows) == outer
    assert match_slot(slot(capacity=3, threshold=4, languages=spoken), rows) in (
        [Pair(1, 2, 8), Pair(3, 4, 8), Pair(6, 7, 11)],
        [Pair(2, 3, 11), Pair(5, 6, 8), Pair(7, 8, 8)],
    )
    assert match_slot(slot(capacity=2, threshold=4, languages=spoken), rows) == [Pair(2, 3, 11), Pair(6, 7, 11)]


candidates = st.builds(
    lambda stances, langs, needs, partners: Candidate(
        id=0,
        person="",
        stances=tuple(stances),
        languages=frozenset(langs),
        needs=frozenset(needs),
        previous_partners=frozenset(f"p{p}" for p in partners),
    ),
    st.lists(st.integers(1, 5), min_size=3, max_size=3),
    st.sets(st.sampled_from(LANGS), min_size=1),
    st.sets(st.sampled_from(NEEDS), max_size=1),
    st.sets(st.integers(0, 9), max_size=2),
)


@st.composite
def pools(draw: st.DrawFn, max_size: int = 8) -> tuple[SlotSpec, list[Candidate]]:
    size = draw(st.integers(0, max_size))
    people = []
    for index in range(size):
        drawn = draw(candidates)
        people.append(
            Candidate(
                id=index,
                person=f"p{index}",
                stances=drawn.stances,
                languages=drawn.languages,
                needs=drawn.needs,
                previous_partners=drawn.previous_partners,
                busy=((START, END),) if draw(st.integers(0, 9)) == 0 else (),
            )
        )
    spec = slot(
        capacity=draw(st.integers(0, 4)),
        threshold=draw(st.integers(0, 8)),
        languages=frozenset(draw(st.sets(st.sampled_from(LANGS), min_size=1))),
        interpreter=draw(st.booleans()),
        features=frozenset(draw(st.sets(st.sampled_from(NEEDS)))),
        online=draw(st.booleans()),
    )
    return spec, people


def allowed(spec: SlotSpec, a: Candidate, b: Candidate) -> int | None:
    """The rules, written out again from the issue (not calling the matcher's helpers)."""
    physical = {"step_free", "accessible_toilet", "parking"}
    for c in (a, b):
        available = set(spec.features) | (physical if spec.online else set())
        if not set(c.needs) <= available:
            return None
        if any(start < spec.ends_at and spec.starts_at < end for start, end in c.busy):
            return None
    if a.person == b.person or a.person in b.previous_partners or b.person in a.previous_partners:
        return None
    shared = set(a.languages) & set(b.languages) & set(spec.languages)
    interpreted = spec.interpreter and set(a.languages) & set(spec.languages) and set(b.languages) & set(spec.languages)
    if not shared and not interpreted:
        return None
    score = sum(abs(x - y) for x, y in zip(a.stances, b.stances, strict=True))
    return score if score >= spec.threshold else None


def brute_force(spec: SlotSpec, people: list[Candidate]) -> int:
    """The best total over every set of disjoint allowed pairs of size at most the capacity."""
    edges = [(a.id, b.id, w) for a, b in combinations(people, 2) if (w := allowed(spec, a, b)) is not None]
    best = 0

    def search(index: int, used: frozenset[int], pairs: int, total: int) -> None:
        nonlocal best
        best = max(best, total)
        if pairs == spec.capacity:
            return
        for position in range(index, len(edges)):
            a, b, w = edges[position]
            if a not in used and b not in used:
                search(position + 1, used | {a, b}, pairs + 1, total + w)

    search(0, frozenset(), 0, 0)
    return best


@settings(max_examples=300, deadline=None)
@given(pools())
def test_every_rule_holds_and_the_total_is_optimal(pool: tuple[SlotSpec, list[Candidate]]) -> None:
    spec, people = pool
    pairs = match_slot(spec, people)
    by_id = {c.id: c for c in people}
    seen: set[int] = set()
    assert len(pairs) <= spec.capacity
    for pair in pairs:
        assert pair.a != pair.b
        assert pair.a not in seen
        assert pair.b not in seen
        seen |= {pair.a, pair.b}
        assert allowed(spec, by_id[pair.a], by_id[pair.b]) == pair.disagreement
    assert sum(p.disagreement for p in pairs) == brute_force(spec, people)
    greedy = greedy_slot(spec, people)
    assert sum(p.disagreement for p in greedy) <= sum(p.disagreement for p in pairs)


@settings(max_examples=100, deadline=None)
@given(st.lists(pools(max_size=6), min_size=1, max_size=3))
def test_across_slots_nobody_is_matched_twice_and_capacity_holds(draws: list[tuple[SlotSpec, list[Candidate]]]) -> None:
    people = {c.id: c for _spec, pool in draws for c in pool}
    slots = []
    pools_by_slot: dict[int, list[Candidate]] = {}
    for index, (spec, pool) in enumerate(draws):
        starts = START + timedelta(hours=2 * index)
        slots.append(SlotSpec(index + 1, starts, starts + timedelta(hours=1), spec.capacity, spec.threshold,
                              spec.languages, spec.interpreter, spec.features, spec.online))  # fmt: skip
        pools_by_slot[index + 1] = [people[c.id] for c in pool]
    result = match_slots(slots, pools_by_slot)
    matched: list[int] = []
    for spec in slots:
        assert len(result[spec.id]) <= spec.capacity
        for pair in result[spec.id]:
            matched += [pair.a, pair.b]
    assert len(matched) == len(set(matched))


clustered_stances = st.sampled_from([(1, 1, 1), (5, 5, 5), (5, 5, 1), (1, 1, 5), (2, 4, 3), (4, 2, 3), (3, 3, 3)])


@st.composite
def tied_pools(draw: st.DrawFn) -> tuple[SlotSpec, list[Candidate]]:
    """Up to 12 people with a few answer sets shared by many (ties everywhere), the capacity below what fits."""
    size = draw(st.integers(4, 12))
    people = [
        Candidate(
            id=index,
            person=f"p{index}",
            stances=draw(clustered_stances),
            languages=frozenset(draw(st.sets(st.sampled_from(LANGS), min_size=1))),
            previous_partners=frozenset(f"p{p}" for p in draw(st.sets(st.integers(0, 11), max_size=1))),
        )
        for index in range(size)
    ]
    spec = slot(
        capacity=draw(st.integers(1, 3)),
        threshold=draw(st.integers(0, 8)),
        languages=frozenset(LANGS),
        interpreter=draw(st.booleans()),
    )
    return spec, people


@settings(max_examples=150, deadline=None)
@given(tied_pools())
def test_with_many_ties_and_a_binding_capacity_the_total_is_still_optimal(
    pool: tuple[SlotSpec, list[Candidate]],
) -> None:
    spec, people = pool
    pairs = match_slot(spec, people)
    by_id = {c.id: c for c in people}
    used = [x for pair in pairs for x in (pair.a, pair.b)]
    assert len(used) == len(set(used))
    assert len(pairs) <= spec.capacity
    for pair in pairs:
        assert allowed(spec, by_id[pair.a], by_id[pair.b]) == pair.disagreement
    assert sum(p.disagreement for p in pairs) == brute_force(spec, people)
