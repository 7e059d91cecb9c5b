"""Tolerances and limits, in one frozen, validated object.

Every number here changes what lands in data/processed (or when a run gives up), so the values are
hashed into the extractor version (pipeline.extractor_version): changing one re-extracts the corpus.
Modules read them as `SETTINGS.<name>`; nothing assigns to them. A caller changes them for one call
or one block, as pdfplumber's TableSettings are passed per call:

    extract_report(path, settings=SETTINGS.replace(rounding_wan=0.01))
    with with_settings(file_timeout_s=60):
        extract_many(files, jobs=2)

`SETTINGS` reads whichever settings are in force in this thread or task (a context variable), so the
readers need no settings argument; worker processes are handed the settings in force with each file.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, cast

# Shares and ratios: a value in (0, 1].
_FRACTIONS = ("name_match_cutoff", "utf16_nul_share", "ocr_min_confidence", "garbled_pdf_share", "garbled_page_share")


@dataclass(frozen=True)
class Settings:
    # Rounding: a figure printed with two decimals (万元) is exact to half a unit of its last digit.
    rounding_wan: float = 0.005
    rounding_cents: float = 0.5  # the same half unit, for the placement's integer cents
    unit_wan: float = 0.01  # a whole unit of the last printed digit (万元)
    # Floating-point slack: added to a tolerance so that a sum equal to it on paper passes.
    eps: float = 1e-7  # checks: comparing figures and rates
    sum_slack: float = 1e-6  # readers: a sum against its rounding tolerance
    same_number: float = 1e-9  # two floats that are the same printed number
    # Rates: a printed rate within half a unit of its last digit of the recomputed one (at least
    # this much, in percentage points) is "equal", not "rounding".
    rate_equal_pct: float = 0.005
    # Explaining a wrong rate: the printed rate matches change ÷ this year (the wrong base) within
    # its half unit and this much.
    rate_wrong_base_pct: float = 0.01
    # A prior year this small (万元) is zero: a change rate against it is undefined.
    zero_prior_wan: float = 0.01
    # Placement of figures into columns: reachable column-sum vectors kept per group before the
    # search gives up (the table is then read as printed, marked capped).
    placement_max_states: int = 20000
    # Names of classes in the narrative matched to the catalog's (difflib ratio).
    name_match_cutoff: float = 0.8
    # Input limits: a figure beyond this (万元; China's whole general budget is ~3e9) is a misread;
    # a text line longer than this lost its line breaks.
    max_amount_wan: float = 1e10
    max_line_chars: int = 20_000
    # The share of NUL bytes in every other byte that marks a UTF-16 text without a BOM.
    utf16_nul_share: float = 0.8
    # Seconds one file may take in a worker before it is stopped and failed (the longest report
    # takes a few seconds: a 49-page PDF ~4 s; ten minutes means stuck).
    file_timeout_s: float = 600.0
    # An old Office (OLE2) file's stream names are looked for in its first bytes (the directory of a
    # workbook of nine tables sits in its first few hundred kilobytes).
    max_ole2_scan_bytes: int = 16 << 20
    # An OCR'd figure the recogniser is less sure of than this is doubtful (PP-OCRv4 reads clean
    # printed digits at 0.95 and above; a smudged or cut digit falls below).
    ocr_min_confidence: float = 0.9
    # Memory one file may take in a worker (resident, MB) before the worker is stopped and the file
    # failed (the corpus' largest PDF peaks at ~200 MB in a worker).
    file_memory_mb: int = 2048
    # What a PDF's compressed streams may expand to in all (MB) before it is refused unread, as a
    # decompression bomb (the corpus' reports expand to at most 6 MB).
    pdf_inflated_max_mb: int = 256

    # Garbled text layers: the share of characters that are (cid:NNN) glyph codes (fonts without a
    # ToUnicode map) above which a PDF's text layer is unusable (read by OCR instead), and above
    # which one page's tables are not read (a few stray codes in a page are a symbol font's).
    garbled_pdf_share: float = 0.05
    garbled_page_share: float = 0.01
    # Studies: a check's figure and a reading's are the same printed figure within this (万元: half a
    # unit of the last digit, and a little); a check's expected rate and a recomputed one the same
    # rate within this (percentage points).
    same_figure_wan: float = 0.006
    same_rate_pct: float = 0.05

    def __post_init__(self) -> None:
        """Refuse a value no run could use, naming the field: every tolerance and limit is a positive
        finite number, shares lie in (0, 1], the integer limits are integers."""
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            kind = int if f.type in ("int", int) else float
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError(f"settings.{f.name} must be a number, not {value!r}")
            if kind is int and not isinstance(value, int):
                raise ValueError(f"settings.{f.name} must be a whole number, not {value!r}")
            if not math.isfinite(value) or value <= 0:
                raise ValueError(f"settings.{f.name} must be a positive number, not {value!r}")
            if f.name in _FRACTIONS and value > 1:
                raise ValueError(f"settings.{f.name} is a share and must lie in (0, 1], not {value!r}")
        if self.rounding_wan >= self.unit_wan:
            raise ValueError(
                f"settings.rounding_wan ({self.rounding_wan}) must be less than settings.unit_wan ({self.unit_wan}): "
                "the rounding tolerance is half a unit of the last printed digit"
            )

    def replace(self, **changes: Any) -> Settings:
        """A copy with `changes` (validated; an unknown name is refused, naming it)."""
        unknown = sorted(set(changes) - {f.name for f in dataclasses.fields(self)})
        if unknown:
            raise ValueError(f"no such setting: {', '.join(unknown)} (see helpers/core/settings.py)")
        return dataclasses.replace(self, **changes)

    def as_dict(self) -> dict[str, float | int]:
        return dataclasses.asdict(self)


DEFAULTS = Settings()
_ACTIVE: ContextVar[Settings] = ContextVar("helpers_settings", default=DEFAULTS)


def current() -> Settings:
    """The settings in force here (the defaults unless a caller overrode them)."""
    return _ACTIVE.get()


@contextmanager
def use_settings(settings: Settings | None) -> Iterator[Settings]:
    """These settings (None: those in force) for the block, in this thread or task only."""
    token = _ACTIVE.set(settings if settings is not None else _ACTIVE.get())
    try:
        yield _ACTIVE.get()
    finally:
        _ACTIVE.reset(token)


@contextmanager
def with_settings(**overrides: float | int) -> Iterator[Settings]:
    """The settings in force with `overrides` changed, for the block: `with with_settings(eps=1e-6): ...`."""
    with use_settings(_ACTIVE.get().replace(**overrides)) as s:
        yield s


class _InForce:
    """What `SETTINGS` is: each attribute read from the settings in force, so `SETTINGS.<name>` follows
    a per-call override without any reader taking a settings argument."""

    __slots__ = ()
    # Seen as the dataclass it stands for (as werkzeug's LocalProxy does): isinstance(SETTINGS, Settings),
    # SETTINGS == Settings(), dataclasses.replace/asdict(SETTINGS) work on the settings in force.
    __dataclass_fields__ = Settings.__dataclass_fields__

    @property  # type: ignore[misc]
    def __class__(self) -> type:
        return Settings

    def __getattr__(self, name: str):
        return getattr(_ACTIVE.get(), name)

    def __setattr__(self, name: str, value: object) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to settings.{name}; use with_settings({name}=...)")

    def __repr__(self) -> str:
        return repr(_ACTIVE.get())


# Typed as Settings: reads (SETTINGS.eps), replace() and as_dict() are checked as the dataclass's.
SETTINGS = cast(Settings, _InForce())
