"""Tolerances and limits, in one frozen object.

Every number here changes what lands in data/processed (or when a run gives up), so the values are
hashed into the extractor version (pipeline.extractor_version): changing one re-extracts the corpus.
Modules read them as `SETTINGS.<name>`; nothing assigns to them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


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

    def as_dict(self) -> dict[str, float | int]:
        return dataclasses.asdict(self)


SETTINGS = Settings()
