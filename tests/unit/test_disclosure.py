"""Small-number suppression that subtraction cannot undo: tables worked by hand, each hidden count shown to be
open by a second table (written by hand) that agrees with everything shown; and a brute-force attacker who
tries every table of counts that fits what is shown."""

from __future__ import annotations

import itertools
import random

from backend.core.disclosure import ProtectedTable, protect_table


def shown_figures(table: list[list[int]]) -> tuple[list[list[int]], list[int], list[int], int]:
    """A table's cells, row totals, column totals and grand total, added up here (not by the code under test)."""
    rows = [sum(row) for row in table]
    columns = [sum(row[column] for row in table) for column in range(len(table[0]))]
    return table, rows, columns, sum(rows)


def agrees(protected: ProtectedTable, other: list[list[int]]) -> bool:
    """Does another table fit every figure left showing?"""
    cells, rows, columns, total = shown_figures(other)
    pairs = [
        *zip(itertools.chain.from_iterable(protected.cells), itertools.chain.from_iterable(cells), strict=True),
        *zip(protected.row_totals, rows, strict=True),
        *zip(protected.column_totals, columns, strict=True),
        (protected.total, total),
    ]
    return all(shown is None or shown == value for shown, value in pairs)


def test_a_row_total_no_longer_gives_away_the_small_cell() -> None:
    # One theme, two questions (A, B) by three areas (Oxford, Cherwell, no area):
    #        Ox  Ch  none | total
    #   A    12   3    6  |  21
    #   B     7   8    9  |  24
    #   all  19  11   15  |  45
    # Hiding only the 3 leaves it as 21 - 12 - 6 (or 11 - 8). The 3 is the only count below 5. Rectangles through
    # it (another row, another column; the totals count) and what each would hide besides:
    #   B/Ox 12+8+7=27, B/none 6+8+9=23, B/total 21+8+24=53, all/Ox 12+11+19=42, all/none 6+11+15=32,
    #   all/total 21+11+45=77. The cheapest is B/none: hide A/none, B/Ch and B/none.
    table = [[12, 3, 6], [7, 8, 9]]
    protected = protect_table(table)
    assert protected.cells == [[12, None, None], [7, None, None]]
    assert protected.row_totals == [21, 24]
    assert protected.column_totals == [19, 11, 15]
    assert protected.total == 45
    # The four hidden cells are t, 9 - t, 11 - t and 6 + t for any t from 0 to 9: with t = 4 instead of 3,
    assert agrees(protected, [[12, 4, 5], [7, 7, 10]])


def test_one_question_against_all_questions_gives_nothing_away() -> None:
    # Two questions by two areas; the page for question A shows its row, the page for all questions the totals:
    #        Ox  Ch | total
    #   A     6   2 |   8
    #   B     5   7 |  12
    #   all  11   9 |  20
    # Hiding the 2 alone leaves 8 - 6 on A's page, or 9 - 7 between the two pages. Rectangles through it:
    #   B/Ox 6+7+5=18, B/total 8+7+12=27, all/Ox 6+9+11=26, all/total 8+9+20=37: hide A/Ox, B/Ch and B/Ox.
    protected = protect_table([[6, 2], [5, 7]])
    assert protected.cells == [[None, None], [None, None]]
    assert protected.row_totals == [8, 12]
    assert protected.column_totals == [11, 9]
    assert protected.total == 20
    # Cells t, 8 - t, 11 - t, 1 + t for t from 0 to 8: t = 7 fits too.
    assert agrees(protected, [[7, 1], [4, 8]])


def test_zeros_shown_by_subtraction_are_protected_too() -> None:
    # One question by three areas: 7 in Oxford, none elsewhere. All questions = this question.
    #        Ox  Ch  none | total
    #   A     7   0    0  |   7
    #   all   7   0    0  |   7
    # Hiding the zeros is not enough: 7 - 7 says both are 0 (counts cannot go below 0). For A/Ch the rectangle
    # all/Ox hides 7 + 7 = 14 and so does all/total; all/none would use only hidden cells but is not allowed (it
    # would have to take one from a zero). The tie goes to the first, all/Ox: hide A/Ox and all/Ox. Then A/none is
    # open (A/none, all/none, all/Ox, A/Ox: one more in "none", one fewer in Oxford), and so is every other zero.
    protected = protect_table([[7, 0, 0]])
    assert protected.cells == [[None, None, None]]
    assert protected.row_totals == [7]
    assert protected.column_totals == [None, None, None]
    assert protected.total == 7
    assert agrees(protected, [[5, 2, 0]])


def test_small_counts_that_can_move_among_themselves_need_nothing_more() -> None:
    # One question: 9 in Oxford, 2 in Cherwell, 0 with no area (total 11, all questions the same).
    # The 2 and the 0 (and their copies among the column totals) can trade one: Cherwell 1, no area 1 fits.
    protected = protect_table([[9, 2, 0]])
    assert protected.cells == [[9, None, None]]
    assert protected.row_totals == [11]
    assert protected.column_totals == [9, None, None]
    assert protected.total == 11
    assert agrees(protected, [[9, 1, 1]])


def test_nothing_is_hidden_when_every_count_is_five_or_more() -> None:
    protected = protect_table([[5, 6], [7, 8]])
    assert protected.cells == [[5, 6], [7, 8]]
    assert protected.row_totals == [11, 15]
    assert protected.column_totals == [12, 14]
    assert protected.total == 26


def test_a_table_with_no_rows_yet_hides_its_zero_totals() -> None:
    protected = protect_table([], columns=3)
    assert protected.cells == []
    assert protected.row_totals == []
    assert protected.column_totals == [None, None, None]
    assert protected.total is None


def attacker_learns(protected: ProtectedTable, truth: list[list[int]]) -> list[tuple[int, int]]:
    """The hidden counts (cells and totals, by place in the grid with the totals as its last row and column)
    that an attacker who tries every table fitting what is shown pins down exactly.

    Each hidden cell is tried from 0 to one more than the largest true cell: a smaller search can only make the
    attacker luckier (fewer tables fit), so it is the harder test."""
    rows, columns = len(truth), len(truth[0])
    limit = max(map(max, truth)) + 1
    per_row: list[list[list[int]]] = []
    for r in range(rows):
        hidden = [c for c in range(columns) if protected.cells[r][c] is None]
        options = []
        for values in itertools.product(range(limit + 1), repeat=len(hidden)):
            row = truth[r][:]
            for c, value in zip(hidden, values, strict=True):
                row[c] = value
            if protected.row_totals[r] is None or protected.row_totals[r] == sum(row):
                options.append(row)
        per_row.append(options)
    grid_shown = [[*protected.cells[r], protected.row_totals[r]] for r in range(rows)]
    grid_shown.append([*protected.column_totals, protected.total])
    seen: dict[tuple[int, int], set[int]] = {}
    for candidate in itertools.product(*per_row):
        table = [list(row) for row in candidate]
        if not agrees(protected, table):
            continue
        _cells, row_totals, column_totals, total = shown_figures(table)
        grid = [[*table[r], row_totals[r]] for r in range(rows)] + [[*column_totals, total]]
        for r in range(rows + 1):
            for c in range(columns + 1):
                if grid_shown[r][c] is None:
                    seen.setdefault((r, c), set()).add(grid[r][c])
    return sorted(cell for cell, values in seen.items() if len(values) < 2)


def test_an_attacker_trying_every_table_pins_down_no_hidden_count() -> None:
    chooser = random.Random(20261205)
    for _ in range(120):
        shape = chooser.choice([(1, 2), (1, 3), (2, 2)])
        truth = [[chooser.choice([0, 1, 2, 3, 4, 5, 6, 8]) for _c in range(shape[1])] for _r in range(shape[0])]
        protected = protect_table(truth)
        assert attacker_learns(protected, truth) == [], truth
