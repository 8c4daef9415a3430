"""The matcher: a pure function from a slot and the people who could attend it to the pairs it should hold.

No database, no clock: the service (`pairing.py`) reads the pool, calls `match_slot`, and writes the pairs
with a conditional update of the slot's free capacity.

Two people may be paired in a slot when
- their stances differ by at least the topic's threshold (`disagreement`: the sum over the statements of the
  absolute difference between their answers on the five-point scale);
- they share a language the slot offers, or the slot has an interpreter booked and each speaks one of its
  languages;
- the venue meets both people's access needs (an online slot meets the physical ones);
- they have not been paired on this topic before (`previous_partners`);
- neither is busy in another exchange that overlaps the slot.

Among those, the matcher picks at most `capacity` pairs maximising the total disagreement: a maximum-weight
matching (networkx, Edmonds' blossom algorithm). When the capacity binds, `n - 2k` dummy people, each liked
by everyone with a weight larger than any total, absorb all but `2k` people, so the blossom algorithm itself
finds the best matching of at most `k` pairs (exact, not a truncation). The edges are first thinned to a
kernel that provably still holds an optimal `k`-matching (see `_kernel`), which keeps large pools fast.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

# Access needs an online session meets by its nature (nobody travels to a building).
ONLINE_MEETS = frozenset({"step_free", "accessible_toilet", "parking"})


@dataclass(frozen=True, slots=True)
class Candidate:
    """Someone in the pool, as the matcher needs them (no identity)."""

    id: int
    person: str  # the same for every request of one person (a keyed hash of their email)
    stances: tuple[int, ...]
    languages: frozenset[str]
    needs: frozenset[str] = frozenset()
    busy: tuple[tuple[datetime, datetime], ...] = ()
    previous_partners: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class SlotSpec:
    """The slot being matched."""

    id: int
    starts_at: datetime
    ends_at: datetime
    capacity: int  # pairs still free
    threshold: int
    languages: frozenset[str]
    interpreter: bool = False
    features: frozenset[str] = frozenset()
    online: bool = False


@dataclass(frozen=True, slots=True, order=True)
class Pair:
    """Two candidates (by id, the smaller first) and how much their stances differ."""

    a: int
    b: int
    disagreement: int = field(compare=False)


def disagreement(first: Sequence[int], second: Sequence[int]) -> int:
    """Sum of absolute differences, statement by statement."""
    return sum(abs(x - y) for x, y in zip(first, second, strict=True))


def overlaps(start: datetime, end: datetime, other_start: datetime, other_end: datetime) -> bool:
    """True when two half-open intervals share any time."""
    return start < other_end and other_start < end


def can_attend(candidate: Candidate, slot: SlotSpec) -> bool:
    """Access needs met, and not busy in an overlapping exchange."""
    met = slot.features | ONLINE_MEETS if slot.online else slot.features
    if not candidate.needs <= met:
        return False
    return not any(overlaps(slot.starts_at, slot.ends_at, start, end) for start, end in candidate.busy)


def can_talk(first: Candidate, second: Candidate, slot: SlotSpec) -> bool:
    """A shared language the slot offers, or an interpreter for the slot's languages."""
    if first.languages & second.languages & slot.languages:
        return True
    return slot.interpreter and bool(first.languages & slot.languages) and bool(second.languages & slot.languages)


def compatible(first: Candidate, second: Candidate, slot: SlotSpec) -> int | None:
    """The pair's disagreement when they may be paired in this slot (both assumed able to attend), else None."""
    if first.person == second.person or first.id == second.id:
        return None
    if second.person in first.previous_partners or first.person in second.previous_partners:
        return None
    if len(first.stances) != len(second.stances):
        return None
    score = disagreement(first.stances, second.stances)
    if score < slot.threshold or not can_talk(first, second, slot):
        return None
    return score


def eligible_edges(slot: SlotSpec, candidates: Iterable[Candidate]) -> list[Pair]:
    """Every pair that may meet in this slot."""
    pool = [c for c in candidates if can_attend(c, slot)]
    edges = []
    for index, first in enumerate(pool):
        for second in pool[index + 1 :]:
            score = compatible(first, second, slot)
            if score is not None:
                low, high = sorted((first.id, second.id))
                edges.append(Pair(low, high, score))
    return edges


def _rank(edge: Pair) -> tuple[int, int, int]:
    """A strict order of edges: heavier first, then by ids."""
    return (-edge.disagreement, edge.a, edge.b)


def _kernel(edges: list[Pair], capacity: int) -> list[Pair]:
    """Edges that still hold an optimal matching of at most k = `capacity` pairs.

    1. Keep an edge only if it is among the 2k best-ranked at both its ends: in an optimal k-matching (best by
       weight, then rank), an edge that is not could be swapped for one of the 2k better edges at that end whose
       other end is free (the other k-1 pairs cover only 2k-2 people), a contradiction.
    2. Every person now has at most 2k edges, so the other k-1 pairs touch at most (2k-2)·2k of them: an optimal
       matching lies within the (2k-2)·2k + 1 best-ranked edges by the same swap argument.
    """
    keep = 2 * capacity
    ordered = sorted(edges, key=_rank)
    counts: dict[int, int] = {}
    rank_at: dict[tuple[int, int], tuple[int, int]] = {}
    for edge in ordered:
        counts[edge.a] = counts.get(edge.a, 0) + 1
        counts[edge.b] = counts.get(edge.b, 0) + 1
        rank_at[(edge.a, edge.b)] = (counts[edge.a], counts[edge.b])
    degree_kernel = [e for e in ordered if max(rank_at[(e.a, e.b)]) <= keep]
    return degree_kernel[: (2 * capacity - 2) * 2 * capacity + 1]


def _max_weight(edges: Sequence[Pair], weights: dict[Pair, int], penalty: float = 0.0) -> list[Pair]:
    """A maximum-weight matching for `weights - penalty` (edges no heavier than the penalty left out)."""
    import networkx as nx  # noqa: PLC0415 - heavy to import: only matching needs it (keeps the worker's start quick)

    graph: nx.Graph[int] = nx.Graph()
    by_key = {(e.a, e.b): e for e in edges}
    for edge in edges:
        if weights[edge] > penalty:
            graph.add_edge(edge.a, edge.b, weight=weights[edge] - penalty)
    return sorted(by_key[(min(u, v), max(u, v))] for u, v in nx.max_weight_matching(graph))


def _with_dummies(edges: Sequence[Pair], capacity: int) -> list[Pair]:
    """Exact at any size: `n - 2k` dummies, each worth more than every real pair together, absorb all but 2k."""
    import networkx as nx  # noqa: PLC0415 - heavy to import: only matching needs it

    people = sorted({e.a for e in edges} | {e.b for e in edges})
    graph: nx.Graph[tuple[str, int]] = nx.Graph()
    by_key = {(e.a, e.b): e for e in edges}
    for edge in edges:
        graph.add_edge(("p", edge.a), ("p", edge.b), weight=edge.disagreement)
    big = sum(e.disagreement for e in edges) + 1
    for index in range(len(people) - 2 * capacity):
        for person in people:
            graph.add_edge(("d", index), ("p", person), weight=big)
    chosen = []
    for u, v in nx.max_weight_matching(graph):
        if u[0] == "p" and v[0] == "p":
            chosen.append(by_key[(min(u[1], v[1]), max(u[1], v[1]))])
    return sorted(chosen)


def best_matching(edges: Sequence[Pair], capacity: int) -> list[Pair]:
    """The matching of at most `capacity` pairs with the greatest total disagreement.

    The best total f(j) of a matching of j pairs is concave in j and an integer. Charging a penalty λ = s + ½
    per pair (s an integer) makes the size of a maximum-weight matching unique and non-increasing in λ, and a
    matching of exactly k pairs found this way is a best matching of at most k pairs (the Lagrangian
    argument); binary search finds the penalty. When ties make f linear across k, no such penalty gives
    exactly k pairs, and the exact dummy construction decides.
    """
    if capacity <= 0 or not edges:
        return []
    edges = _kernel(list(edges), capacity)
    weights = {edge: edge.disagreement for edge in edges}
    matching = _max_weight(edges, weights)
    if len(matching) <= capacity:
        return matching
    low, high = 0, max(weights.values())  # more than k pairs with no penalty; none at high + ½
    while low < high:
        middle = (low + high) // 2
        if len(_max_weight(edges, weights, middle + 0.5)) > capacity:
            low = middle + 1
        else:
            high = middle
    matching = _max_weight(edges, weights, low + 0.5)
    if len(matching) == capacity:
        return matching
    return _with_dummies(edges, capacity)


def match_slot(slot: SlotSpec, candidates: Iterable[Candidate]) -> list[Pair]:
    """The pairs this slot should hold, maximising total disagreement within its free capacity."""
    return best_matching(eligible_edges(slot, candidates), slot.capacity)


def greedy_slot(slot: SlotSpec, candidates: Iterable[Candidate]) -> list[Pair]:
    """A baseline (for the bench): take the most disagreeing eligible pair, repeat while capacity lasts."""
    taken: set[int] = set()
    chosen: list[Pair] = []
    for edge in sorted(eligible_edges(slot, candidates), key=lambda e: (-e.disagreement, e.a, e.b)):
        if len(chosen) >= slot.capacity:
            break
        if edge.a in taken or edge.b in taken:
            continue
        taken |= {edge.a, edge.b}
        chosen.append(edge)
    return sorted(chosen)


def match_slots(
    slots: Sequence[SlotSpec],
    pools: dict[int, list[Candidate]],
    *,
    greedy: bool = False,
) -> dict[int, list[Pair]]:
    """Match slots one after another in order of start (as their cut-offs come); the matched leave the pool."""
    matched: set[int] = set()
    result: dict[int, list[Pair]] = {}
    for slot in sorted(slots, key=lambda s: (s.starts_at, s.id)):
        pool = [c for c in pools.get(slot.id, []) if c.id not in matched]
        pairs = greedy_slot(slot, pool) if greedy else match_slot(slot, pool)
        for pair in pairs:
            matched |= {pair.a, pair.b}
        result[slot.id] = pairs
    return result
