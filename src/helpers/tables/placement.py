"""Placing a row's printed values under the table's columns when the source lost their positions.

Text copies that separate cells by single spaces (or put one cell per line) drop blank cells
without a trace: a row of `合计 | 基本支出 | 项目支出` that prints `76.08 76.08` has one blank column,
and only the table's own arithmetic says which. This module chooses placements that the arithmetic
supports, and says when it cannot:

- a row's values keep their printed order, so a placement is an ordered choice of columns;
- row identities (合计 = 基本支出 + 项目支出, ...) must hold within the rounding envelope;
- the hierarchy must hold column by column: the 合计 row = Σ 类, 类 = Σ 款, 款 = Σ 项 (a tree
  given by the codes), solved exactly by dynamic programming over reachable column sums;
- columns known to be blank (a fund with no income and no carry-over cannot spend) are excluded;
- rare columns (上缴上级支出, 经营支出, …) are used only when the arithmetic cannot hold without them.

A value whose column is the same in every placement the arithmetic allows is placed (and marked
`column_inferred` when the row printed fewer values than the table has columns). A value with two
or more possible columns is not placed at all: the row is reported `ambiguous` with its options,
so no blank cell ever receives a guessed number. A group whose sums fail under every placement is
reported `inconsistent` (a printed inconsistency, or a text layer whose values are shifted).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from ..core.settings import SETTINGS


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
    """Place every row's values under `ncols` columns (see the module docstring). Rare columns are
    first kept for the rows that cannot be placed without them; when the table's sums then fail
    somewhere, every row may use them, and the placement whose sums fail least is kept."""
    first = _place(rows, ncols, identities, blocked, rare)
    if not rare or not first.failing_groups:
        return first
    second = _place(rows, ncols, identities, blocked, frozenset())
    return second if len(second.failing_groups) < len(first.failing_groups) else first


def _place(
    rows: list[PlaceRow], ncols: int, identities: tuple[Identity, ...], blocked: frozenset[int], rare: frozenset[int]
) -> Placement:
    cents = [[_cents(v) for v in r.values] for r in rows]
    children: dict[int | None, list[int]] = {}
    for i, r in enumerate(rows):
        children.setdefault(r.parent, []).append(i)

    def candidates(i: int, allow_rare: bool) -> list[tuple[int, ...]]:
        r = rows[i]
        n = len(r.values)
        if r.fixed is not None:
            return [tuple(r.fixed)]
        if n > ncols:
            return []
        usable = [c for c in range(ncols) if c not in r.unknown and (allow_rare or c not in rare)]
        zero_only = blocked | r.blocked  # known blank elsewhere: a printed 0 may sit there, nothing else
        out = []
        for cols in itertools.combinations(usable, n):
            if r.ranges and any(not (lo <= c <= hi) for c, (lo, hi) in zip(cols, r.ranges)):
                continue
            if any(c in zero_only and v != 0 for c, v in zip(cols, cents[i])):
                continue
            if _row_ok(_vector(cents[i], cols, ncols), n, identities, r.unknown):
                out.append(cols)
        return out

    # Occam: rare columns only for rows that cannot be placed without them.
    cands: list[list[tuple[int, ...]]] = []
    for i in range(len(rows)):
        c = candidates(i, allow_rare=False)
        cands.append(c or candidates(i, allow_rare=True))
    vecs = [[_vector(cents[i], cols, ncols) for cols in cands[i]] for i in range(len(rows))]
    result = Placement([RowPlacement([None] * len(r.values)) for r in rows])
    for i, r in enumerate(rows):
        result.rows[i].too_many = len(r.values) > ncols
        result.rows[i].impossible = not cands[i] and bool(r.values) and not result.rows[i].too_many
        result.rows[i].inferred = r.fixed is None and 0 < len(r.values) < ncols

    def close(a: tuple[int, ...], b: tuple[int, ...], k: int, skip: frozenset[int] = frozenset()) -> bool:
        tol = SETTINGS.rounding_cents * (k + 1) + SETTINGS.sum_slack
        return all(abs(x - y) <= tol for c, (x, y) in enumerate(zip(a, b)) if c not in skip)

    def reach(
        kids: list[int], allowed: dict[int, list[int]], bound: tuple[tuple[int, ...], tuple[int, ...]] | None = None
    ) -> dict[tuple[int, ...], None] | None:
        """Column-sum vectors reachable by the children (each child among its allowed candidates).
        With figures that are never negative and the parent's figures as targets (`bound`: lowest
        and highest per column), a partial sum above the highest target, or too low to reach the
        lowest even if every remaining child adds its most, is dropped as it appears."""
        zero = tuple([0] * ncols)
        opts_of = [{vecs[k][c] for c in allowed[k]} or {zero} for k in kids]
        slack = SETTINGS.rounding_cents * (len(kids) + 1) + SETTINGS.sum_slack
        rest = [zero] * (len(kids) + 1)  # most the children from position j on can still add
        for j in range(len(kids) - 1, -1, -1):
            best = tuple(max(v[col] for v in opts_of[j]) for col in range(ncols))
            rest[j] = tuple(a + b for a, b in zip(rest[j + 1], best))
        states = {zero: None}
        for j, opts in enumerate(opts_of):
            nxt: dict[tuple[int, ...], None] = {}
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

    nonneg = all(v >= 0 for row in cents for v in row)

    def bound_of(i: int, among: list[int]) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
        if not nonneg or not among or rows[i].unknown:
            return None
        cols = range(ncols)
        return (
            tuple(min(vecs[i][c][col] for c in among) for col in cols),
            tuple(max(vecs[i][c][col] for c in among) for col in cols),
        )

    # Bottom-up: which candidates of each row are consistent with their whole subtree.
    feasible: dict[int, list[int]] = {}
    consistent_group: dict[int, bool] = {}
    order = _postorder(children)
    for i in order:
        kids = [k for k in children.get(i, []) if rows[k].values]
        own = list(range(len(cands[i])))
        if not kids:
            feasible[i] = own
            continue
        states = reach(kids, feasible, bound_of(i, own))
        if states is None:
            result.capped = True
            feasible[i] = own
            consistent_group[i] = True
            continue
        ok = [c for c in own if any(close(vecs[i][c], s, len(kids), rows[i].unknown) for s in states)]
        consistent_group[i] = bool(ok) or not own
        if not ok and own:
            result.failing_groups.append(i)
        feasible[i] = ok or own

    # Top-down: narrow each row to the candidates compatible with its parent's remaining ones.
    allowed: dict[int, list[int]] = {}
    roots = [i for i in children.get(None, [])]
    for i in roots:
        allowed[i] = feasible[i]
    for i in reversed(order):
        if i not in allowed:
            allowed[i] = feasible[i]
        kids = [k for k in children.get(i, []) if rows[k].values]
        if not kids:
            continue
        if not consistent_group.get(i, True) or result.capped:
            for k in kids:
                allowed[k] = feasible[k]
            continue
        targets = {vecs[i][c] for c in allowed[i]}
        for k in kids:
            keep = []
            for ck in feasible[k]:
                trial = {**{kk: feasible[kk] for kk in kids}, k: [ck]}
                states = reach(kids, trial, bound_of(i, allowed[i]))
                if states is None or any(close(t, s, len(kids), rows[i].unknown) for t in targets for s in states):
                    keep.append(ck)
            allowed[k] = keep or feasible[k]

    for i, rp in enumerate(result.rows):
        opts = [cands[i][c] for c in allowed.get(i, [])]
        rp.options = opts
        if not opts:
            continue
        for j in range(len(rows[i].values)):
            cols = {o[j] for o in opts}
            if len(cols) == 1:
                rp.columns[j] = cols.pop()
            else:
                rp.ambiguous = True
    return result


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


def code_parents(codes: list[str | None], total_index: int | None) -> list[int | None]:
    """Parent row of each coded row: the nearest printed ancestor code (项 → 款 → 类), and the 合计 row
    for the top level. Rows without a code hang from nothing (besides the 合计 row itself)."""
    where: dict[str, int] = {}
    for i, c in enumerate(codes):
        if c and c not in where:
            where[c] = i
    out: list[int | None] = []
    for i, c in enumerate(codes):
        if i == total_index or not c:
            out.append(None)
            continue
        parent = None
        for plen in (5, 3):
            if len(c) > plen and c[:plen] in where:
                parent = where[c[:plen]]
                break
        if parent is None and len(c) == 3:
            parent = total_index  # an orphan 款/项 (its class not printed) stays outside the sums
        out.append(parent)
    return out
