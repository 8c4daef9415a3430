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
matching (networkx, Edmonds' blossom algorithm). The edges are first thinned to a kernel that provably still
holds an optimal `k`-matching (see `_kernel`). When the capacity binds, a per-pair charge found by Newton's
method makes the blossom algorithm itself return a best matching of exactly `k` pairs, or two best matchings
either side of `k` between which `_between` walks to exactly `k` (exact, not a truncation; see `best_matching`).

Where several matchings share the best total, which one is returned is not part of the contract (with ties,
two best answers always exist when the charge lands between sizes); the total is. `tests/unit/
test_exchanges_matching.py` pins hand-worked answers and checks the total against brute force.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import sub

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


# An edge as the matcher sorts it: (−disagreement, smaller id, larger id), so plain tuple order ranks edges
# heavier first, then by ids (a strict order, which the kernel's argument needs).
Ranked = tuple[int, int, int]


def eligible_edges(slot: SlotSpec, candidates: Iterable[Candidate]) -> list[Pair]:
    """Every pair that may meet in this slot."""
    return [Pair(a, b, -negative) for negative, a, b in _ranked_edges(slot, candidates)]


def _ranked_edges(slot: SlotSpec, candidates: Iterable[Candidate]) -> list[Ranked]:
    """The rules of the module docstring, applied a group at a time.

    People who can attend are grouped by what decides the rest: the languages they share with the slot, the
    number of statements they answered, and then their answers. Whether two groups can talk is decided once per
    pair of groups, and the disagreement once per pair of answer sets (a pair of answer sets below the threshold
    rules out all their people at once); only identity and history are left to check person by person.
    """
    groups: dict[tuple[frozenset[str], int], dict[tuple[int, ...], list[Candidate]]] = {}
    for candidate in candidates:
        if can_attend(candidate, slot):
            key = (candidate.languages & slot.languages, len(candidate.stances))
            groups.setdefault(key, {}).setdefault(candidate.stances, []).append(candidate)
    keys = list(groups)
    edges: list[Ranked] = []
    for index, (spoken, length) in enumerate(keys):
        for other_spoken, other_length in keys[index:]:
            if length != other_length:
                continue
            if not (spoken & other_spoken or (slot.interpreter and spoken and other_spoken)):
                continue
            _group_edges(groups[(spoken, length)], groups[(other_spoken, other_length)], slot.threshold, edges)
    return edges


def _group_edges(
    first: dict[tuple[int, ...], list[Candidate]],
    second: dict[tuple[int, ...], list[Candidate]],
    threshold: int,
    edges: list[Ranked],
) -> None:
    """Append the pairs between two groups (or within one, when `first is second`) that disagree enough."""
    same = first is second
    answers = list(first)
    for position, mine in enumerate(answers):
        for theirs in answers[position:] if same else second:
            score = sum(map(abs, map(sub, mine, theirs)))
            if score < threshold:
                continue
            people = first[mine]
            others = second[theirs]
            for place, one in enumerate(people):
                for other in people[place + 1 :] if mine is theirs else others:
                    if one.person == other.person or one.id == other.id:
                        continue
                    if other.person in one.previous_partners or one.person in other.previous_partners:
                        continue
                    edges.append((-score, one.id, other.id) if one.id < other.id else (-score, other.id, one.id))


def _kernel(edges: list[Ranked], capacity: int) -> list[Pair]:
    """Edges that still hold an optimal matching of at most k = `capacity` pairs.

    1. Keep an edge only if it is among the 2k best-ranked at both its ends: in an optimal k-matching (best by
       weight, then rank), an edge that is not could be swapped for one of the 2k better edges at that end whose
       other end is free (the other k-1 pairs cover only 2k-2 people), a contradiction.
    2. Every person now has at most 2k edges, so the other k-1 pairs touch at most (2k-2)·2k of them: an optimal
       matching lies within the (2k-2)·2k + 1 best-ranked edges by the same swap argument.
    """
    keep = 2 * capacity
    limit = (2 * capacity - 2) * 2 * capacity + 1
    counts: dict[int, int] = {}
    kernel: list[Pair] = []
    for negative, a, b in sorted(edges):
        at_a = counts[a] = counts.get(a, 0) + 1
        at_b = counts[b] = counts.get(b, 0) + 1
        if at_a <= keep and at_b <= keep:
            kernel.append(Pair(a, b, -negative))
            if len(kernel) == limit:
                break
    return kernel


def _max_weight(edges: Sequence[Pair], scale: int = 1, penalty: int = 0) -> list[Pair]:
    """A maximum-weight matching for the weights `scale · disagreement − penalty` (integers, so networkx works
    exactly; edges that would weigh nothing or less are left out, as no best matching needs them)."""
    import networkx as nx  # noqa: PLC0415 - heavy to import: only matching needs it (keeps the worker's start quick)

    graph: nx.Graph[int] = nx.Graph()
    by_key = {}
    for edge in edges:
        weight = scale * edge.disagreement - penalty
        if weight > 0:
            graph.add_edge(edge.a, edge.b, weight=weight)
            by_key[(edge.a, edge.b)] = edge
    return sorted(by_key[(u, v) if u < v else (v, u)] for u, v in nx.max_weight_matching(graph))


def _total(matching: Sequence[Pair]) -> int:
    return sum(edge.disagreement for edge in matching)


def _between(smaller: list[Pair], larger: list[Pair], capacity: int) -> list[Pair]:
    """A matching of exactly `capacity` pairs, as good as both, from two matchings that are both best for the same
    per-pair charge λ, one smaller and one larger than `capacity`.

    Their symmetric difference splits into alternating paths and cycles. Swapping one of them into `smaller`
    changes its charged weight by some δ; swapping it out of `larger` changes that by −δ; both are best, so
    δ = 0 for every piece. Each piece with one more edge of `larger` adds a pair, and there are at least
    |larger| − |smaller| of them: swap them in, in a fixed order, until `capacity` pairs are reached. The result
    is best for λ with exactly `capacity` pairs, hence a best matching of that size.
    """
    chosen = {(e.a, e.b): e for e in smaller}
    others = {(e.a, e.b): e for e in larger}
    at: dict[int, list[tuple[int, int]]] = {}
    for key in chosen.keys() ^ others.keys():
        at.setdefault(key[0], []).append(key)
        at.setdefault(key[1], []).append(key)
    seen: set[tuple[int, int]] = set()
    pieces = []
    for start in sorted(at):
        stack = [key for key in at[start] if key not in seen]
        piece = []
        while stack:
            key = stack.pop()
            if key in seen:
                continue
            seen.add(key)
            piece.append(key)
            stack.extend(other for end in key for other in at[end] if other not in seen)
        if piece:
            pieces.append(piece)
    for piece in pieces:
        if len(chosen) == capacity:
            break
        if sum(1 if key in others else -1 for key in piece) == 1:
            for key in piece:
                if key in chosen:
                    del chosen[key]
                else:
                    chosen[key] = others[key]
    if len(chosen) != capacity:
        raise RuntimeError("the two matchings were not both best for the same charge")
    return sorted(chosen.values())


def best_matching(edges: Sequence[Pair], capacity: int) -> list[Pair]:
    """The matching of at most `capacity` pairs with the greatest total disagreement.

    The best total f(j) of a matching of j pairs is concave in j (and f(0) = 0). A maximum-weight matching for
    the weights `disagreement − λ` is a best matching of its size, and its size falls as λ rises. Starting from
    the unconstrained best (more than k pairs) and the empty matching, Newton's method charges λ = the slope of
    the chord between the smaller and the larger known point: either the matching found beats the chord, and is
    a new point strictly between them (done if it has exactly k pairs), or it does not, and then both ends are
    best for that λ and `_between` walks from one to the other to exactly k pairs. f has at most as many slopes
    as pairs, so this ends; in practice in one to three rounds.

    When the answer is not unique, which best matching comes back is not specified (whichever the steps reach);
    the total always is the best.
    """
    return _best_of_ranked([(-e.disagreement, e.a, e.b) for e in edges], capacity)


def _best_of_ranked(ranked: list[Ranked], capacity: int) -> list[Pair]:
    if capacity <= 0 or not ranked:
        return []
    edges = _kernel(ranked, capacity)
    charge = _first_charge(edges, capacity)
    found = _max_weight(edges, 1, charge)
    if len(found) == capacity or (charge == 0 and len(found) < capacity):
        return found
    smaller: list[Pair] = []
    if len(found) > capacity:
        larger = found
    else:  # the first guess charged too much: start from the unconstrained best instead
        smaller, larger = found, _max_weight(edges)
        if len(larger) <= capacity:
            return larger
    while True:
        scale = len(larger) - len(smaller)
        penalty = _total(larger) - _total(smaller)  # λ = penalty / scale, the chord's slope
        found = _max_weight(edges, scale, penalty)
        if scale * _total(found) - penalty * len(found) == scale * _total(smaller) - penalty * len(smaller):
            return _between(smaller, larger, capacity)
        if len(found) == capacity:
            return found
        if len(found) < capacity:
            smaller = found
        else:
            larger = found


def _first_charge(edges: list[Pair], capacity: int) -> int:
    """A first per-pair charge, to start Newton's method near k pairs instead of from the (larger, slower)
    unconstrained matching: just under the weight of the (k+1)-th pair a greedy pass would take, so that at
    least k+1 disjoint pairs are still worth something. 0 when greedy cannot reach k+1 pairs."""
    taken: set[int] = set()
    weights = []
    for edge in edges:  # best-ranked first
        if edge.a not in taken and edge.b not in taken:
            taken |= {edge.a, edge.b}
            weights.append(edge.disagreement)
            if len(weights) > capacity:
                return weights[capacity] - 1
    return 0


def match_slot(slot: SlotSpec, candidates: Iterable[Candidate]) -> list[Pair]:
    """The pairs this slot should hold, maximising total disagreement within its free capacity."""
    return _best_of_ranked(_ranked_edges(slot, candidates), slot.capacity)


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
