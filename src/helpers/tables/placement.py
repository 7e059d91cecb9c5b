"""Placing a row's printed values under the table's columns when the source lost their positions.

Text copies that separate cells by single spaces (or put one cell per line) drop blank cells
without a trace: a row of `合计 | 基本支出 | 项目支出` that prints `76.08 76.08` has one blank column,
and only the table's own arithmetic says which. This module chooses placements that the arithmetic
supports, and says when it cannot:

- a row's values keep their printed order, so a placement is an ordered choice of columns;
- row identities (合计 = 基本支出 + 项目支出, ...) must hold within the rounding envelope;
- the hierarchy must hold column by column: the 合计 row = Σ 类, 类 = Σ 款, 款 = Σ 项 (a tree
  given by the codes, `code_tree.code_parents`), solved exactly by dynamic programming over
  reachable column sums, bottom-up then top-down;
- the report's other tables bound a cell (`PlaceRow.limits`: T5 ≤ T3 for the same code, …);
- columns known to be blank (a fund with no income and no carry-over cannot spend) are excluded but
  for a printed 0, and rare columns (上缴上级支出, 经营支出, …) are used only when the arithmetic cannot
  hold without them;
- the rows still open are then searched together for complete placements of the whole table
  (depth first, each sum checked as soon as its rows are chosen, bounded by
  `settings.placement_max_states`): one fills them, two or more are listed (`Placement.complete`).

A value whose column is the same in every placement the arithmetic allows is placed (and marked
`column_inferred` when the row printed fewer values than the table has columns). A value with two
or more possible columns is not placed at all: the row is reported `ambiguous` with its options,
so no blank cell ever receives a guessed number. A group whose sums fail under every placement is
reported `inconsistent` (a printed inconsistency, or a text layer whose values are shifted).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from ..core.code_tree import code_parents
from ..core.settings import SETTINGS

__all__ = ["Identity", "PlaceRow", "Placement", "RowPlacement", "code_parents", "place"]


@dataclass(frozen=True)
class Identity:
    """Σ value[lhs] = Σ value[rhs] on every row (blank = 0), e.g. 合计 = 基本支出 + 项目支出."""

    lhs: tuple[int, ...]
    rhs: tuple[int, ...]


@dataclass
class PlaceRow:
    values: list[float]  # printed amounts, in printed order
    parent: int | None = None  # index of the row whose column sums include this one
    fixed: tuple[int, ...] | None = None  # columns known from positions (then nothing is inferred)
    blocked: frozenset[int] = frozenset()  # columns this row cannot use (known blank from elsewhere)
    ranges: list[tuple[int, int]] | None = None  # per value, the columns lo..hi it may sit in
    unknown: frozenset[int] = frozenset()  # columns printed with words, not figures: left out of sums
    # per column, the least and most its cell can hold (blank = 0), as another table of the report
    # shows them (T5's cell ≤ T3's for the same code): bounds with their rounding slack included
    limits: dict[int, tuple[float | None, float | None]] = field(default_factory=dict)


@dataclass
class RowPlacement:
    columns: list[int | None]  # per printed value: its column, or None when not determined
    inferred: bool = False  # fewer values than columns: placed by arithmetic, not position
    ambiguous: bool = False  # some value could sit under more than one column
    options: list[tuple[int, ...]] = field(default_factory=list)  # the placements still possible
    impossible: bool = False  # no placement satisfies the row identities
    too_many: bool = False  # more values than columns


@dataclass
class Placement:
    rows: list[RowPlacement]
    failing_groups: list[int] = field(default_factory=list)  # parents whose children do not add up
    capped: bool = False
    # Complete placements of the whole table found by the search over the rows left open, each
    # {row: its columns} (at most `MAX_LISTED`); `more`: the search stopped before it saw them all.
    complete: list[dict[int, tuple[int, ...]]] = field(default_factory=list)
    more: bool = False


def _cents(v: float) -> int:
    return int(round(v * 100))


def _row_ok(
    vec: tuple[int, ...], n_printed: int, identities: tuple[Identity, ...], unknown: frozenset[int] = frozenset()
) -> bool:
    tol = SETTINGS.rounding_cents * (n_printed + 1) + SETTINGS.sum_slack  # half a cent per printed figure
    for ident in identities:
        if unknown & (set(ident.lhs) | set(ident.rhs)):
            continue
        if abs(sum(vec[c] for c in ident.lhs) - sum(vec[c] for c in ident.rhs)) > tol:
            return False
    return True


def _vector(values: list[int], cols: tuple[int, ...], ncols: int) -> tuple[int, ...]:
    vec = [0] * ncols
    for v, c in zip(values, cols):
        vec[c] = v
    return tuple(vec)


def place(
    rows: list[PlaceRow],
    ncols: int,
    identities: tuple[Identity, ...] = (),
    *,
    blocked: frozenset[int] = frozenset(),
    rare: frozenset[int] = frozenset(),
) -> Placement:
    """Place every row's values under `ncols` columns (see the module docstring). Rare columns, and
    columns known blank (where only a printed 0 may sit), are first kept for the rows that cannot be
    placed without them; when the table's sums then fail somewhere, every row may use them, and the
    placement whose sums fail least is kept."""
    first = _place(rows, ncols, identities, blocked, rare, occam=True)
    if not first.failing_groups or not (rare or blocked or any(r.blocked for r in rows)):
        return first
    second = _place(rows, ncols, identities, blocked, frozenset(), occam=False)
    return second if len(second.failing_groups) < len(first.failing_groups) else first


MAX_LISTED = 3  # complete placements listed when the table leaves a choice open

Vec = tuple[int, ...]


def _place(
    rows: list[PlaceRow],
    ncols: int,
    identities: tuple[Identity, ...],
    blocked: frozenset[int],
    rare: frozenset[int],
    occam: bool,
) -> Placement:
    solver = _Solver(rows, ncols, identities, blocked, rare, occam)
    feasible = solver.bottom_up()
    allowed = solver.top_down(feasible)
    solver.search_complete(allowed)
    return solver.finish(allowed)


class _Solver:
    """One table's placement: each row's candidate placements (its row identities, its limits),
    narrowed bottom-up and top-down over the code tree, then the whole table searched for the
    complete placements that remain."""

    def __init__(
        self,
        rows: list[PlaceRow],
        ncols: int,
        identities: tuple[Identity, ...],
        blocked: frozenset[int],
        rare: frozenset[int],
        occam: bool = True,
    ):
        self.rows, self.ncols, self.identities = rows, ncols, identities
        self.blocked, self.rare = blocked, rare
        self.cents = [[_cents(v) for v in r.values] for r in rows]
        self.children: dict[int | None, list[int]] = {}
        for i, r in enumerate(rows):
            self.children.setdefault(r.parent, []).append(i)
        self.order = _postorder(self.children)
        self.nonneg = all(v >= 0 for row in self.cents for v in row)
        # Occam: rare columns, and a printed 0 under a column known blank, only for rows that cannot
        # be placed without them.
        self.cands = [
            (self.candidates(i, False) if occam else []) or self.candidates(i, True) for i in range(len(rows))
        ]
        self.vecs = [[_vector(self.cents[i], cols, ncols) for cols in self.cands[i]] for i in range(len(rows))]
        self.result = Placement([RowPlacement([None] * len(r.values)) for r in rows])
        for i, r in enumerate(rows):
            rp = self.result.rows[i]
            rp.too_many = len(r.values) > ncols
            rp.impossible = not self.cands[i] and bool(r.values) and not rp.too_many
            rp.inferred = r.fixed is None and 0 < len(r.values) < ncols
        self.consistent: dict[int, bool] = {}

    # --- one row ---------------------------------------------------------------------------------

    def candidates(self, i: int, allow_rare: bool) -> list[tuple[int, ...]]:
        r = self.rows[i]
        n = len(r.values)
        if r.fixed is not None:
            return [tuple(r.fixed)]
        if n > self.ncols:
            return []
        usable = [c for c in range(self.ncols) if c not in r.unknown and (allow_rare or c not in self.rare)]
        zero_only = self.blocked | r.blocked  # known blank elsewhere: a printed 0 may sit there, nothing else
        out = []
        for cols in itertools.combinations(usable, n):
            if r.ranges and any(not (lo <= c <= hi) for c, (lo, hi) in zip(cols, r.ranges)):
                continue
            if any(c in zero_only and (v != 0 or not allow_rare) for c, v in zip(cols, self.cents[i])):
                continue
            vec = _vector(self.cents[i], cols, self.ncols)
            if _row_ok(vec, n, self.identities, r.unknown) and self._within_limits(r, vec):
                out.append(cols)
        return out

    @staticmethod
    def _within_limits(r: PlaceRow, vec: Vec) -> bool:
        for c, (lo, hi) in r.limits.items():
            v = vec[c] if c < len(vec) else 0
            if (lo is not None and v < _cents(lo)) or (hi is not None and v > _cents(hi)):
                return False
        return True

    def kids(self, i: int) -> list[int]:
        return [k for k in self.children.get(i, []) if self.rows[k].values]

    # --- sums over the code tree -----------------------------------------------------------------

    def close(self, a: Vec, b: Vec, k: int, skip: frozenset[int] = frozenset()) -> bool:
        tol = SETTINGS.rounding_cents * (k + 1) + SETTINGS.sum_slack
        return all(abs(x - y) <= tol for c, (x, y) in enumerate(zip(a, b)) if c not in skip)

    def reach(
        self, kids: list[int], allowed: dict[int, list[int]], bound: tuple[Vec, Vec] | None = None
    ) -> dict[Vec, None] | None:
        """Column-sum vectors reachable by the children (each child among its allowed candidates).
        With figures that are never negative and the parent's figures as targets (`bound`: lowest
        and highest per column), a partial sum above the highest target, or too low to reach the
        lowest even if every remaining child adds its most, is dropped as it appears."""
        ncols = self.ncols
        zero = tuple([0] * ncols)
        opts_of = [{self.vecs[k][c] for c in allowed[k]} or {zero} for k in kids]
        slack = SETTINGS.rounding_cents * (len(kids) + 1) + SETTINGS.sum_slack
        rest = [zero] * (len(kids) + 1)  # most the children from position j on can still add
        for j in range(len(kids) - 1, -1, -1):
            best = tuple(max(v[col] for v in opts_of[j]) for col in range(ncols))
            rest[j] = tuple(a + b for a, b in zip(rest[j + 1], best))
        states: dict[Vec, None] = {zero: None}
        for j, opts in enumerate(opts_of):
            nxt: dict[Vec, None] = {}
            for s in states:
                for v in opts:
                    t = tuple(a + b for a, b in zip(s, v))
                    if bound is not None and any(
                        x > hi + slack or x + r < lo - slack for x, r, lo, hi in zip(t, rest[j + 1], *bound)
                    ):
                        continue
                    nxt[t] = None
                    if len(nxt) > SETTINGS.placement_max_states:
                        return None
            states = nxt
        return states

    def bound_of(self, i: int, among: list[int]) -> tuple[Vec, Vec] | None:
        if not self.nonneg or not among or self.rows[i].unknown:
            return None
        cols = range(self.ncols)
        return (
            tuple(min(self.vecs[i][c][col] for c in among) for col in cols),
            tuple(max(self.vecs[i][c][col] for c in among) for col in cols),
        )

    def bottom_up(self) -> dict[int, list[int]]:
        """Which candidates of each row are consistent with their whole subtree."""
        feasible: dict[int, list[int]] = {}
        for i in self.order:
            kids = self.kids(i)
            own = list(range(len(self.cands[i])))
            if not kids:
                feasible[i] = own
                continue
            states = self.reach(kids, feasible, self.bound_of(i, own))
            if states is None:
                self.result.capped = True
                feasible[i] = own
                self.consistent[i] = True
                continue
            ok = [
                c for c in own if any(self.close(self.vecs[i][c], s, len(kids), self.rows[i].unknown) for s in states)
            ]
            self.consistent[i] = bool(ok) or not own
            if not ok and own:
                self.result.failing_groups.append(i)
            feasible[i] = ok or own
        return feasible

    def top_down(self, feasible: dict[int, list[int]]) -> dict[int, list[int]]:
        """Each row narrowed to the candidates compatible with its parent's remaining ones."""
        allowed: dict[int, list[int]] = {i: feasible[i] for i in self.children.get(None, [])}
        for i in reversed(self.order):
            if i not in allowed:
                allowed[i] = feasible[i]
            kids = self.kids(i)
            if not kids:
                continue
            if not self.consistent.get(i, True) or self.result.capped:
                for k in kids:
                    allowed[k] = feasible[k]
                continue
            for k in kids:
                allowed[k] = self._keep_child(i, k, kids, feasible, allowed) or feasible[k]
        return allowed

    def _keep_child(
        self, i: int, k: int, kids: list[int], feasible: dict[int, list[int]], allowed: dict[int, list[int]]
    ) -> list[int]:
        targets = {self.vecs[i][c] for c in allowed[i]}
        keep = []
        for ck in feasible[k]:
            trial = {**{kk: feasible[kk] for kk in kids}, k: [ck]}
            states = self.reach(kids, trial, self.bound_of(i, allowed[i]))
            if states is None or any(
                self.close(t, s, len(kids), self.rows[i].unknown) for t in targets for s in states
            ):
                keep.append(ck)
        return keep

    # --- the whole table -------------------------------------------------------------------------

    def search_complete(self, allowed: dict[int, list[int]]) -> None:
        """Complete placements of the whole table: one candidate for every row left open such that
        every sum of the code tree that can hold does (depth first, bounded). One complete placement
        fills the open rows; two or more are kept to be listed."""
        open_rows = [i for i in self.order if len(allowed.get(i, [])) > 1]
        if not open_rows:
            return
        groups = self._groups_due(open_rows)
        choice: dict[int, int] = {}
        found: list[dict[int, int]] = []
        steps = 0

        def walk(j: int) -> bool:  # False: stop (enough listed, or the search ran too long)
            nonlocal steps
            if j == len(open_rows):
                found.append(dict(choice))
                return len(found) <= MAX_LISTED  # one more than listed: there are more
            i = open_rows[j]
            for c in allowed[i]:
                steps += 1
                if steps > SETTINGS.placement_max_states:
                    return False
                choice[i] = c
                if all(self._group_holds(g, choice, allowed) for g in groups[j]) and not walk(j + 1):
                    return False
            choice.pop(i, None)
            return True

        stopped = not walk(0)
        self.result.more = stopped
        self.result.complete = [{i: self.cands[i][c] for i, c in f.items()} for f in found[:MAX_LISTED]]
        if len(found) == 1 and not stopped:
            for i, c in found[0].items():
                allowed[i] = [c]

    def _groups_due(self, open_rows: list[int]) -> list[list[int]]:
        """Per open row (in search order), the sums whose every open member is chosen once it is."""
        at = {i: j for j, i in enumerate(open_rows)}
        due: list[list[int]] = [[] for _ in open_rows]
        for p in self.order:
            kids = self.kids(p)
            if not kids or not self.consistent.get(p, True):
                continue
            members = [at[m] for m in [p, *kids] if m in at]
            if members:
                due[max(members)].append(p)
        return due

    def _group_holds(self, p: int, choice: dict[int, int], allowed: dict[int, list[int]]) -> bool:
        def vec(i: int) -> Vec | None:
            c = choice.get(i, allowed[i][0] if allowed.get(i) else None)
            return None if c is None else self.vecs[i][c]

        kids = self.kids(p)
        own = vec(p)
        if own is None:
            return True
        total = [0] * self.ncols
        for k in kids:
            v = vec(k)
            if v is not None:
                total = [a + b for a, b in zip(total, v)]
        return self.close(own, tuple(total), len(kids), self.rows[p].unknown)

    def finish(self, allowed: dict[int, list[int]]) -> Placement:
        for i, rp in enumerate(self.result.rows):
            opts = [self.cands[i][c] for c in allowed.get(i, [])]
            rp.options = opts
            if not opts:
                continue
            for j in range(len(self.rows[i].values)):
                cols = {o[j] for o in opts}
                if len(cols) == 1:
                    rp.columns[j] = cols.pop()
                else:
                    rp.ambiguous = True
        return self.result


def _postorder(children: dict[int | None, list[int]]) -> list[int]:
    out: list[int] = []
    stack: list[tuple[int, bool]] = [(r, False) for r in reversed(children.get(None, []))]
    while stack:
        node, done = stack.pop()
        if done:
            out.append(node)
            continue
        stack.append((node, True))
        for k in reversed(children.get(node, [])):
            stack.append((k, False))
    return out
