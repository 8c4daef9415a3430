"""Small-number suppression that subtraction cannot undo, for a table of counts shown with its totals.

Hiding every count below five (primary suppression) is not enough when totals are shown too: a row total and
all but one of the row's cells give the hidden cell by subtraction. This module also hides other cells
(secondary suppression) until no hidden value can be worked out from what is shown.

The table is seen as it is published: R rows by C columns of counts, each row's total, each column's total and
the grand total. A hidden value is *derivable* when every table of whole, non-negative counts that agrees with
everything shown gives it the same value. Hidden values are the unknowns of the linear system "each row and each
column adds up to its total", whose solutions move along cycles of hidden cells (a row, a column, another row,
…, back): adding one to a cell, taking one from the next cell in its row, adding one to the next in that
cell's column and so on keeps every sum. A hidden cell is not derivable exactly when such a cycle runs through it
and every cell the cycle takes one from is above zero (the table stays non-negative). `_derivable` searches for
that cycle; `protect_table` hides, for each small count that is still derivable, the three other corners of the
rectangle (another row, another column; totals count as a row and a column) that hides the least, which puts
the small count on a four-cell cycle. Hiding more only adds cycles, so a value protected once stays protected.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SUPPRESS_BELOW = 5

Cell = tuple[int, int]
Node = tuple[str, int]  # ("r", row) or ("c", column); the totals are row R and column C


@dataclass(frozen=True)
class ProtectedTable:
    """A table as it may be shown: None stands for a hidden count ("fewer than 5", or hidden to protect one)."""

    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None


class _Table:
    """The table with its totals as one (R + 1) x (C + 1) grid: row R holds the column totals, column C the row
    totals, and [R][C] the grand total."""

    def __init__(self, cells: Sequence[Sequence[int]], columns: int | None = None) -> None:
        self.rows = len(cells)
        self.columns = columns if columns is not None else len(cells[0]) if cells else 0
        if any(len(row) != self.columns for row in cells):
            raise ValueError("every row needs the same number of cells")
        if any(value < 0 for row in cells for value in row):
            raise ValueError("counts cannot be negative")
        grid = [[*row, sum(row)] for row in cells]
        grid.append([sum(row[column] for row in grid) for column in range(self.columns + 1)])
        self.grid = grid
        self.hidden: set[Cell] = set()
        self._step_map: dict[Node, list[tuple[Node, Cell]]] = {}
        self._steps_for = -1  # how many cells were hidden when the steps were worked out

    def sign(self, cell: Cell) -> int:
        """-1 for a row or column total (it sits on the other side of its sums), +1 for a cell or the grand total."""
        row, column = cell
        return -1 if (row == self.rows) != (column == self.columns) else 1

    def forward_allowed(self, cell: Cell) -> bool:
        """May a cycle step from the cell's row to its column here? That adds one to a cell (or the grand total)
        and takes one from a row or column total, which must then be above zero."""
        return self.sign(cell) == 1 or self.grid[cell[0]][cell[1]] > 0

    def backward_allowed(self, cell: Cell) -> bool:
        """May a cycle step from the cell's column to its row here? That takes one from a cell, which must then
        be above zero, and adds one to a total."""
        return self.sign(cell) == -1 or self.grid[cell[0]][cell[1]] > 0

    def _steps(self) -> dict[Node, list[tuple[Node, Cell]]]:
        """The allowed steps over hidden cells: node -> (next node, the cell stepped over); rebuilt when more
        cells are hidden."""
        if self._steps_for != len(self.hidden):
            steps: dict[Node, list[tuple[Node, Cell]]] = {}
            for cell in self.hidden:
                row, column = ("r", cell[0]), ("c", cell[1])
                if self.forward_allowed(cell):
                    steps.setdefault(row, []).append((column, cell))
                if self.backward_allowed(cell):
                    steps.setdefault(column, []).append((row, cell))
            self._step_map, self._steps_for = steps, len(self.hidden)
        return self._step_map

    def _reaches(self, start: Node, goal: Node, without: Cell) -> bool:
        """Is there a path of allowed steps over hidden cells (other than `without`) from `start` to `goal`?"""
        steps = self._steps()
        seen = {start}
        todo = [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            for following, cell in steps.get(node, []):
                if cell != without and following not in seen:
                    seen.add(following)
                    todo.append(following)
        return False

    def derivable(self, cell: Cell) -> bool:
        """Whether a hidden value can be worked out from what is shown (no feasible cycle runs through it)."""
        row, column = ("r", cell[0]), ("c", cell[1])
        if self.forward_allowed(cell) and self._reaches(column, row, cell):
            return False
        return not (self.backward_allowed(cell) and self._reaches(row, column, cell))

    def _cycle_allowed(self, corners: tuple[Cell, Cell, Cell, Cell]) -> bool:
        """Corners (e, f, g, h) of a rectangle: e=(i, j), f=(i, j2), g=(i2, j), h=(i2, j2). Either way round."""
        e, f, g, h = corners
        one_way = (
            self.forward_allowed(e)
            and self.backward_allowed(g)
            and self.forward_allowed(h)
            and self.backward_allowed(f)
        )
        return one_way or (
            self.backward_allowed(e)
            and self.forward_allowed(f)
            and self.backward_allowed(h)
            and self.forward_allowed(g)
        )

    def hide_rectangle_for(self, cell: Cell) -> None:
        """Hide the other three corners of the rectangle through `cell` that hides the smallest sum of counts not
        hidden yet (ties: the rectangle whose other row, then other column, comes first)."""
        row, column = cell
        best: tuple[int, int, int] | None = None
        for other_row in range(self.rows + 1):
            for other_column in range(self.columns + 1):
                if other_row == row or other_column == column:
                    continue
                corners = (cell, (row, other_column), (other_row, column), (other_row, other_column))
                if not self._cycle_allowed(corners):
                    continue
                cost = sum(self.grid[r][c] for r, c in corners[1:] if (r, c) not in self.hidden)
                if best is None or (cost, other_row, other_column) < best:
                    best = (cost, other_row, other_column)
        # The rectangle through the totals (row R, column C) is always allowed: it only adds one to each corner.
        assert best is not None
        _cost, other_row, other_column = best
        self.hidden.update({(row, other_column), (other_row, column), (other_row, other_column)})


def protect_table(
    cells: Sequence[Sequence[int]], threshold: int = SUPPRESS_BELOW, *, columns: int | None = None
) -> ProtectedTable:
    """The table and its totals with every count below `threshold` hidden (zero too, so that absence is not
    shown), and as many others as it takes so that no hidden count can be worked out from the rest. `columns`
    says how many columns a table with no rows has (its column totals are all zero).

    Small counts are taken in reading order (rows top to bottom, then the column totals; each row left to right,
    then its total); each one still derivable gets the cheapest rectangle (see `_Table.hide_rectangle_for`).
    """
    table = _Table(cells, columns)
    if table.rows == 0 or table.columns == 0:
        return ProtectedTable(
            cells=[[] for _ in range(table.rows)],
            row_totals=[None if total < threshold else total for total in (row[-1] for row in table.grid[:-1])],
            column_totals=[None if value < threshold else value for value in table.grid[-1][:-1]],
            total=None if table.grid[-1][-1] < threshold else table.grid[-1][-1],
        )
    small = [
        (row, column)
        for row in range(table.rows + 1)
        for column in range(table.columns + 1)
        if table.grid[row][column] < threshold
    ]
    table.hidden.update(small)
    for cell in small:
        if table.derivable(cell):
            table.hide_rectangle_for(cell)

    def shown(row: int, column: int) -> int | None:
        return None if (row, column) in table.hidden else table.grid[row][column]

    return ProtectedTable(
        cells=[[shown(row, column) for column in range(table.columns)] for row in range(table.rows)],
        row_totals=[shown(row, table.columns) for row in range(table.rows)],
        column_totals=[shown(table.rows, column) for column in range(table.columns)],
        total=shown(table.rows, table.columns),
    )
