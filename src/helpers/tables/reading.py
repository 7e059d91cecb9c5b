"""How well one table was read: the quality record behind `table_readings` and `reports.tables_doubtful`.

Every reader fills a `Reading`: rows read, values placed by position (tab columns, PDF cells, a
row printing every column) or by the table's arithmetic (a shorter row of a text copy), values it
could not place, rows whose column is ambiguous, and groups whose sums do not hold.

A reading is *doubtful* when our reading, not the report, may be wrong:
- a value could not be placed, or could sit under more than one column; or
- the layout kept no positions (single-space or one-cell-per-line text) and the table's own sums
  fail at two or more places, or at one place that rests on values placed by arithmetic. With no
  positions, the arithmetic is the only evidence for where a value belongs; when it fails, the
  placement is not evidence of anything (a text layer with values shifted against their labels
  looks exactly like this).
A table read by position whose sums fail is not doubtful: that is the report's inconsistency,
and the checks say so.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..settings import SETTINGS
from ..vocabulary import PERSONNEL_CLASSES
from .placement import code_parents

# Layouts whose cells keep their columns (the container says where each cell is).
POSITIONAL_LAYOUTS = ("tab grid", "pdf ruled table", "spreadsheet cells", "word table", "web page table", "OCR")


@dataclass
class Reading:
    table: str
    layout: str
    rows: int = 0
    by_position: int = 0
    by_arithmetic: int = 0
    unplaced: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)
    failing_sums: list[str] = field(default_factory=list)
    failing_codes: list[str] = field(default_factory=list)
    # rows whose figures fit several placements: (row_order, [{measure: value} per placement])
    alternatives: list[tuple[int, list[dict[str, float]]]] = field(default_factory=list)
    resolved: list[str] = field(default_factory=list)  # how ambiguities were settled by other evidence
    doubtful_rows: list[str] = field(default_factory=list)  # rows with a doubtful cell (code or label, line)
    low_confidence: list[str] = field(default_factory=list)  # OCR'd cells the recogniser was unsure of

    @property
    def ocr(self) -> bool:
        """Read from images: a misread digit looks exactly like a report's own inconsistency."""
        return "OCR" in self.layout

    @property
    def positional(self) -> bool:
        return self.layout.startswith(POSITIONAL_LAYOUTS)

    @property
    def doubtful(self) -> bool:
        if self.unplaced or self.ambiguous:
            return True
        if self.ocr:  # an OCR'd table whose sums fail, or with a cell read without confidence, may be ours
            return bool(self.failing_sums or self.low_confidence)
        if not self.positional and self.failing_sums:
            return len(self.failing_sums) >= 2 or self.by_arithmetic > 0
        return False

    def reasons(self) -> list[str]:
        out = []
        if self.ambiguous:
            out.append(
                f"{len(self.ambiguous)} row(s) with figures that fit more than one column: "
                + "; ".join(self.ambiguous[:5])
                + (" …" if len(self.ambiguous) > 5 else "")
            )
        if self.unplaced:
            out.append(
                f"{len(self.unplaced)} figure group(s) not placed: "
                + "; ".join(self.unplaced[:5])
                + (" …" if len(self.unplaced) > 5 else "")
            )
        if not self.positional and self.failing_sums and self.doubtful:
            out.append(
                f"the table's own sums fail at {len(self.failing_sums)} place(s) and the text kept no "
                "column positions, so the values may sit under the wrong rows or columns: "
                + "; ".join(self.failing_sums[:12])
                + (" …" if len(self.failing_sums) > 12 else "")
            )
        if self.ocr and self.failing_sums:
            out.append(
                f"read by OCR and the table's own sums fail at {len(self.failing_sums)} place(s), so a digit may "
                "have been misread: "
                + "; ".join(self.failing_sums[:12])
                + (" …" if len(self.failing_sums) > 12 else "")
            )
        if self.low_confidence:
            out.append(
                f"{len(self.low_confidence)} OCR'd cell(s) read with low confidence: "
                + "; ".join(self.low_confidence[:8])
                + (" …" if len(self.low_confidence) > 8 else "")
            )
        if self.doubtful_rows:
            out.append(f"rows in doubt ({len(self.doubtful_rows)}): " + ", ".join(self.doubtful_rows))
        if self.resolved:
            out.append("settled by the narrative: " + "; ".join(self.resolved))
        return out

    def record(self, report_id: str) -> dict:
        return {
            "report_id": report_id,
            "table": self.table,
            "layout": self.layout,
            "rows": self.rows,
            "values_by_position": self.by_position,
            "values_by_arithmetic": self.by_arithmetic,
            "unplaced": len(self.unplaced),
            "ambiguous_rows": len(self.ambiguous),
            "sums_failing": len(self.failing_sums),
            "sums_hold": not self.failing_sums,
            "doubtful": self.doubtful,
            "reasons": self.reasons(),
        }


def _children(codes: list[str]) -> dict[str, list[str]]:
    """Each code's printed sub-codes, the 类 under "合计": the placement's code tree (`code_parents`)."""
    names = list(codes) + ["合计"]
    kids: dict[str, list[str]] = {}
    for c, parent in zip(codes, code_parents(list(codes) + [None], len(codes))):
        if parent is not None:
            kids.setdefault(names[parent], []).append(c)
    return kids


def check_hierarchy(items: list[dict], reading: Reading) -> None:
    """Record where a coded table's sums fail (合计 = Σ类, 类 = Σ款, 款 = Σ项, column by column), and
    mark the cells a failure makes doubtful when the reading is doubtful. A parent whose own
    children add up is confirmed by them and stays unmarked."""
    rows: dict[str, dict[str, float | None]] = {}
    for it in items:
        key = it["code"] or ("合计" if it["row_label"] in ("合计", "总计") else None)
        if key is None or key in rows and it["measure"] in rows[key]:
            continue
        rows.setdefault(key, {})[it["measure"]] = it["amount_wan"]
    codes = [c for c in rows if c != "合计"]
    kids = _children(codes)
    failing: list[str] = []
    for parent, ch in kids.items():
        if parent not in rows:
            continue
        for m, pv in rows[parent].items():
            vals = [rows[c].get(m) for c in ch]
            if pv is None:
                continue  # a blank total (or words where its figure would be) cannot be checked
            s = sum(v for v in vals if v is not None)
            tol = SETTINGS.rounding_wan * (len(ch) + 1) + SETTINGS.sum_slack
            if abs((pv or 0.0) - s) > tol:
                failing.append(parent)
                break
    for p in failing:
        if p not in reading.failing_codes:  # the placement may have recorded it already
            reading.failing_codes.append(p)
            reading.failing_sums.append(f"{p}: its sub-rows do not add up to it")
    if not reading.doubtful or not failing:
        return
    suspect = set()
    for p in failing:
        suspect.add(p)
        for c in kids.get(p, []):
            # a leaf, or a parent not confirmed by its own children (one child repeating the parent's
            # figures confirms nothing: a slid value repeats on both)
            if c not in kids or c in failing or len(kids[c]) < 2:
                suspect.add(c)
                suspect.update(k for k in kids.get(c, []) if len(kids[c]) < 2)
    for it in items:
        key = it["code"] or ("合计" if it["row_label"] in ("合计", "总计") else None)
        if key in suspect and it["amount_wan"] is not None:
            it["doubtful"] = True


def check_economic(items: list[dict], reading: Reading) -> None:
    """T6: each economic 类 = Σ its 款, and 人员经费 / 公用经费 合计 = Σ their 类. Where the text kept no
    positions and these fail, the cells involved are marked doubtful (see `check_hierarchy`)."""
    val = {}
    for it in items:
        key = it["code"] or it["row_label"]
        if key and key not in val:
            val[key] = it["amount_wan"]
    groups: list[tuple[str, list[str]]] = []
    classes = [c for c in val if c and len(c) == 3 and c.isdigit()]
    for c in classes:
        kids = [k for k in val if k and len(k) == 5 and k.isdigit() and k.startswith(c)]
        if kids:
            groups.append((c, kids))
    for label, section in (("人员经费", "personnel"), ("公用经费", "public")):
        total = next((k for k in val if k and not k.isdigit() and label in k and "合计" in k), None)
        if total:
            groups.append((total, [c for c in classes if (c in PERSONNEL_CLASSES) == (section == "personnel")]))
    failing = []
    for parent, kids in groups:
        pv = val.get(parent)
        if pv is None or not kids:
            continue
        s = sum(val[k] or 0.0 for k in kids)
        if abs(pv - s) > SETTINGS.rounding_wan * (len(kids) + 1) + SETTINGS.sum_slack:
            failing.append((parent, kids))
            reading.failing_sums.append(f"{parent}: the rows under it add up to {s:,.2f}, not {pv:,.2f}")
    if not reading.doubtful:
        return
    suspect = {k for p, kids in failing for k in (p, *kids)}
    for it in items:
        if (it["code"] or it["row_label"]) in suspect and it["amount_wan"] is not None:
            it["doubtful"] = True
