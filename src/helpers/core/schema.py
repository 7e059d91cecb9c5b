"""The datasets in `data/processed/`: columns, types and meanings (the data contract in code).

`docs/DATA_DICTIONARY.md` is generated from this module (`python -m helpers dictionary`), so the
dictionary and the files cannot drift apart. Every frame written goes through `conform`, which
adds missing columns as nulls, casts types and fixes the column order.
"""

from __future__ import annotations

from functools import cache

import pandas as pd

from .catalog import MEASURES_DOC, TABLES
from .errors import ErrorCode
from .vocabulary import CODE_LEVELS, POVERTY_NEW_NAME, POVERTY_OLD_NAME, REASON_KINDS, THREE_PUBLIC_ITEMS

# dtype names: "string", "float64", "Int64", "boolean", "date", "list"
Column = tuple[str, str, str]

DATASETS: dict[str, list[Column]] = {
    "reports": [
        ("report_id", "string", "Stable id of the report: the raw file's stem (file name without extension)."),
        ("source_file", "string", "Path of the raw file relative to the repository root (absolute when outside it)."),
        ("source_sha256", "string", "SHA-256 of the raw file's bytes."),
        (
            "source_format",
            "string",
            "The container read: `text`, `pdf` (text layer), `pdf_scan` (no usable text layer: OCR'd), `image` "
            "(one page image), `images` (a folder of page images), `xlsx`, `xls`, `docx`, `html`.",
        ),
        ("city", "string", "City as printed (e.g. 武汉市, 上海市)."),
        ("district", "string", "District as printed (e.g. 洪山区)."),
        ("department", "string", "Department as printed in the report title."),
        ("fiscal_year", "Int64", "Fiscal year the accounts cover."),
        ("publish_date", "date", "Publication date printed on the cover; null if not printed."),
        (
            "doc_kind",
            "string",
            "Kind of document, from its own words (cover 部门决算/部门预算/单位预算 and table titles ending 决算表 or "
            "预算表): `final` (决算, final accounts), `budget` (预算; such a report is `failed` and nothing from it "
            "is extracted) or null (neither found).",
        ),
        (
            "unit_kind",
            "string",
            "`部门` (a department's consolidated report) or `单位` (one unit's), as the cover or title words it; null "
            "if not stated.",
        ),
        (
            "template",
            "string",
            "Template the report follows: `部门决算 (nine tables)` or `高等学校 (university, four tables)` (T1, T2, "
            "T3 and U4); `status` and `tables_missing` count the template's tables.",
        ),
        ("tables_found", "list", "Codes of the tables found with content or as printed-empty (T1..T9, U4)."),
        (
            "tables_empty",
            "list",
            "Tables printed with a header and no rows (e.g. no 政府性基金 money): present, nothing to report.",
        ),
        (
            "tables_missing",
            "list",
            "Tables not read: not in the file (lost in conversion or not published), or present but not read (`notes` "
            "says why).",
        ),
        (
            "tables_doubtful",
            "list",
            "Tables read but whose reading is doubtful (figures that fit more than one column, figures not placed, a "
            "total row not read, or sums that fail in a text copy without column positions): see "
            "`table_readings.reasons`. Checks over their doubtful cells report `uncertain`, never `fail`.",
        ),
        (
            "tables_other",
            "list",
            "决算 tables recognised by title but not one of the standard nine (e.g. a university's "
            "高等学校财政拨款支出决算表 is read as `U4`): their rows are in line_items under their own code.",
        ),
        (
            "notes",
            "list",
            "What the table readers noticed and did about it: cells that were not numbers, page numbers dropped, "
            "columns inferred, a table printed twice, pages skipped.",
        ),
        (
            "status",
            "string",
            "`ok` (every table of its template read), `partial` (some missing), `failed` (nothing could be read).",
        ),
        ("error", "string", "Null, or a message a person can act on (what is wrong and with which file)."),
        (
            "error_code",
            "string",
            "Null when `error` is; else why, as a stable code (errors.ErrorCode; the README's table): filter and "
            "count on it, not on the message's wording.",
        ),
        ("encoding", "string", "Text encoding detected for text files (utf-8-sig, gb18030); null for PDFs."),
        ("n_pages", "Int64", "Pages in a PDF; null for text files."),
        ("pdf_engine", "string", "Engine used for a PDF (`pdfium`, `pdfplumber` or `tabula`); null for text."),
        ("unit_printed", "string", "Money unit printed over the tables (万元 or 元)."),
        ("line_items", "Int64", "Number of line_items rows extracted from this report."),
        ("extracted_at", "string", "UTC timestamp of the extraction run."),
    ],
    "line_items": [
        ("report_id", "string", "Report the cell belongs to."),
        (
            "table",
            "string",
            "Table code, identified by title and headers, not by printed number: T1..T9 (the nine standard tables), "
            "U4 (a university's 财政拨款支出决算表), X1, X2 … (a 决算 table no template here knows, kept with its "
            "rows; measures named by its header words; see `reports.notes`).",
        ),
        ("side", "string", "`income` or `expenditure` in two-sided tables (T1, T4); null elsewhere."),
        (
            "section",
            "string",
            "Block of a multi-block table: T6 `personnel` (人员经费) or `public` (公用经费); T1/T4 `total` "
            "(本年收入合计, 本年支出合计, 总计) or `balance` (结转结余 rows and the rows under them); else null.",
        ),
        ("row_label", "string", "Row name as printed (wrapped names re-joined)."),
        (
            "code",
            "string",
            "Function (201, 20103, 2010301) or economic (301, 30101) code; null if the row has none. Split codes are "
            "joined.",
        ),
        ("code_domain", "string", "`function`, `economic` or null."),
        ("level", "string", "`类` (3 digits), `款` (5), `项` (7) or null."),
        ("measure", "string", "Column of the table: see the measures table below."),
        (
            "amount_wan",
            "float64",
            "Value in 万元 (元 tables converted). Null for a blank cell, 0 for a printed 0 / 0.00 / -.",
        ),
        ("unit_printed", "string", "Unit printed on the table when it is not 万元 (e.g. 元); null for 万元."),
        (
            "column_inferred",
            "boolean",
            "True when the source lost the cell's column (single-space or one-cell-per-line text) and the column was "
            "chosen by the table's own arithmetic (row identities, class = Σ items, other tables showing a column "
            "blank).",
        ),
        (
            "doubtful",
            "boolean",
            "True when this cell's reading is in doubt: its row's figures fit more than one column (the cell is then "
            "left blank rather than guessed), or it sits in a group whose sums fail in a text copy without column "
            "positions. Checks over doubtful cells report `uncertain`.",
        ),
        (
            "ocr_confidence",
            "float64",
            "For a figure read by OCR from a scanned page or image: the recogniser's confidence (0..1); a figure "
            "below the settings' `ocr_min_confidence`, or in an OCR'd table whose sums fail, is `doubtful`. Null "
            "for cells read from a text layer, a workbook, a Word document or a web page.",
        ),
        ("row_order", "Int64", "Order of the row within its table (0 = first data row)."),
        (
            "source_ref",
            "string",
            "Where the cell was read: `line N` (text), `page N` (PDF), `sheet 公开05表!C14` (workbook), "
            "`table 3 row 5 col 2` (Word, web page), `page 9 box (x0,y0,x1,y1)` (OCR'd image, pixels).",
        ),
    ],
    "function_rollup": [
        ("report_id", "string", "Report."),
        ("table", "string", "Table code (as in line_items) of the table the function rows are printed in."),
        ("side", "string", "`income` or `expenditure` in two-sided tables (T1, T4); null elsewhere."),
        ("code", "string", "Function code: 类 (3 digits, e.g. 213), 款 (5, 21305) or 项 (7, 2130599)."),
        ("level", "string", "`类`, `款` or `项`."),
        (
            "name",
            "string",
            "Row name as printed; for a derived 类 the classification's name of the class; null for a derived 款.",
        ),
        ("measure", "string", "Column of the table, as in line_items."),
        (
            "amount_wan",
            "float64",
            "The printed amount, or for a derived row the sum of the rows below it (null when all of them are blank).",
        ),
        (
            "derived",
            "boolean",
            "False: the row is printed in the table (a line_items cell). True: the table prints no row for this 款 or "
            "类, so its amount is computed from the printed rows under it (款 = Σ its 项, 类 = Σ its 款). Filter "
            '`code == "21305"` here, not in line_items, to find every report\'s 21305 money whatever level it printed.',
        ),
        ("rows_summed", "Int64", "For a derived row: how many printed 项 (or 款) rows were added up; null if printed."),
        ("doubtful", "boolean", "True when the printed cell, or any cell summed, is doubtful in line_items."),
        ("source_ref", "string", "Where the row was printed, or for a derived row where the rows summed were printed."),
    ],
    "budget_execution": [
        ("report_id", "string", "Report."),
        (
            "level",
            "string",
            "`overall`, `类`, `款`, `项` or `project` (the contract's values; what the budget is for is in `subject`).",
        ),
        (
            "subject",
            "string",
            "`spending`: the 一般公共预算财政拨款 spending and its classes, items and projects; `three_public`: the "
            "“三公”经费 total (level `overall`).",
        ),
        ("code", "string", "Function code where known; null where none."),
        ("name", "string", "Class, item or project name as printed."),
        ("budget_basis", "string", "`年初预算`, `全年预算` or `调整预算`, as the report words it."),
        ("budget_wan", "float64", "Budget in 万元."),
        ("final_wan", "float64", "Outturn (决算/执行数) in 万元."),
        ("rate_printed_pct", "float64", "Completion rate as printed (percent); null if not printed."),
        ("rate_computed_pct", "float64", "final / budget × 100; null if the budget is 0 or missing."),
        (
            "unit_printed",
            "string",
            "Unit the figures were printed in when not 万元 (元 tables converted); null otherwise.",
        ),
        ("unit_note", "string", "Why a conversion was applied (e.g. table headed 万元 whose values are plainly 元)."),
        ("source_kind", "string", "`narrative` or `table` (绩效自评表)."),
        ("source_ref", "string", "Where it was read."),
        ("source_text", "string", "The sentence or table row it came from."),
        (
            "note",
            "string",
            "Null, or how the row was read when not plainly (figures re-associated from a separate PDF text line, a "
            "value derived from other printed words).",
        ),
        (
            "reason_kind",
            "string",
            "What the reason the report prints for the deviation says happened (its 原因 sentence, `reason_text`): "
            "`moved` (money moved to or from another fund, function code or unit: 调整至政府性基金预算, 科目代码调整, "
            "划转), `mid_year` (the budget changed during the year: 年中增加, 追加, 调增/调减, not in the 年初 budget, "
            "a transfer received), `spending` (any other cause: the outturn itself above or below the budget, e.g. "
            "staff changes, savings), `on_budget` (持平); the first that applies, in that order. Null: no reason "
            "printed.",
        ),
        (
            "reason_text",
            "string",
            "The reason as printed, from 决算数…预算数…主要原因 to the end of its sentence (or the 持平 sentence); "
            "null if none is printed after the statement.",
        ),
        ("reason_ref", "string", "Where the reason was printed (line or page)."),
    ],
    "three_public": [
        ("report_id", "string", "Report."),
        (
            "item",
            "string",
            "`total`, `overseas`, `vehicle_total`, `vehicle_purchase`, `vehicle_operation`, `reception`.",
        ),
        ("budget_wan", "float64", "Budget in 万元 (null if not stated)."),
        ("final_wan", "float64", "Outturn in 万元 (null if not stated)."),
        ("source", "string", "`table` (the 三公 table) or `narrative`."),
        ("source_ref", "string", "Where it was read."),
        ("source_text", "string", "Sentence or row it came from."),
        (
            "note",
            "string",
            "Null, or how the row was read when not plainly (figures re-associated from a separate PDF text line, a "
            "value derived from other printed words).",
        ),
    ],
    "poverty_transfers": [
        ("report_id", "string", "Report."),
        (
            "kind",
            "string",
            "`function_line` (21305xx in a table), `project` (a project budget/outturn) or `narrative` (an amount in "
            "words).",
        ),
        ("code", "string", "Function code for function lines; null otherwise."),
        ("name", "string", "Line, project or subject name."),
        ("amount_wan", "float64", "Amount in 万元 (for a project: its outturn)."),
        ("budget_wan", "float64", "Project budget in 万元 when the source pairs one with the outturn; null otherwise."),
        ("unit_printed", "string", "Unit printed when not 万元 (e.g. 元, 亿元); the amount is converted."),
        ("recipient", "string", "Receiving place (county, district, town) when named; null otherwise."),
        (
            "scope",
            "string",
            "`department` (this department's own money this year), `district` (a district-wide figure the report only "
            "mentions, or money the department only coordinates) or `multi_year` (a cumulative figure over several "
            "years, e.g. 前三年 … 累计).",
        ),
        (
            "series",
            "string",
            "`扶贫` (until 2020) or `巩固脱贫衔接乡村振兴` (from 2021) for function lines; the one 21305 series.",
        ),
        (
            "transfer_id",
            "string",
            "The transfer the row states (`<report_id>:<n>`): every row stating the same money of one report "
            "shares it (the 21305 款 and its 项 in 表2, 表3 and 表5, the project, its 绩效自评, the sentences).",
        ),
        (
            "restates",
            "boolean",
            "True when the row states money another row of its transfer already counts (the same amount again, or a "
            "part of it); False for exactly one row per transfer. Sum `amount_wan` over `restates == False` (and "
            '`scope == "department"` for the department\'s own money) to count each transfer once.',
        ),
        (
            "link",
            "string",
            "How the row restates its transfer: null for the row that counts it, `same` (the same amount stated "
            "again), `part` (a part of it: a project within the 21305 money, an amount a sentence says went to one "
            "place).",
        ),
        ("source_ref", "string", "Where it was read."),
        ("source_text", "string", "Sentence or row it came from."),
        (
            "note",
            "string",
            "Null, or how the row was read when not plainly (figures re-associated from a separate PDF text line, a "
            "value derived from other printed words).",
        ),
    ],
    "narrative_facts": [
        ("report_id", "string", "Report."),
        (
            "topic",
            "string",
            "What the figure is about (e.g. `income_total`, `basic_expenditure`, `personnel_cost`, `running_cost`, "
            "`procurement_total`, `vehicles`; headcounts of 部门人员构成: `staff_in_post` 在职实有人数, "
            "`staff_authorised` 编制数, `retirees` 离退休人员).",
        ),
        ("subject", "string", "The subject as printed (class name, item)."),
        ("value", "float64", "The value: 万元 for money, count for vehicles and headcounts, percent for shares."),
        ("unit", "string", "`万元`, `percent`, `count`."),
        ("change_wan", "float64", "Year-on-year change in 万元 as printed (negative for 减少), null if not printed."),
        ("change_pct_printed", "float64", "Year-on-year change in percent as printed (negative for 下降)."),
        (
            "compared_year",
            "Int64",
            "The year the change is against: as printed (与 2020 年度相比 → 2020), or the report's year − 1 for "
            "上年/去年; null without a change.",
        ),
        (
            "change_source_ref",
            "string",
            "The line or page printing the change's figure (it may follow the value's sentence: “… 万元。与 2020 "
            "年度相比，…增加 …”, or be wrapped onto the next line).",
        ),
        ("share_pct_printed", "float64", "Printed share (占 x%)."),
        ("source_ref", "string", "Where it was read."),
        ("source_text", "string", "The sentence."),
        (
            "note",
            "string",
            "Null, or how the row was read when not plainly (figures re-associated from a separate PDF text line, a "
            "value derived from other printed words).",
        ),
    ],
    "department_series": [
        ("report_id", "string", "Report that prints the figure."),
        ("district", "string", "District of the department (as in `reports`)."),
        ("department", "string", "Department as printed in the report title: a series is one department's."),
        ("fiscal_year", "Int64", "The year the amount refers to (for a derived point: the year compared with)."),
        ("report_year", "Int64", "Fiscal year of the report that prints it."),
        (
            "topic",
            "string",
            "What is measured (the `narrative_facts` topic, e.g. `fiscal_total`, `running_cost`, "
            "`three_public_total`, `paired_assistance`); a 三公 point's level is the outturn the narrative states.",
        ),
        ("subject", "string", "The subject as printed."),
        ("recipient", "string", "For `paired_assistance`: the place the money goes to, as printed; else null."),
        (
            "amount_wan",
            "float64",
            "Amount in 万元, nominal (never adjusted for prices, never summed across departments).",
        ),
        (
            "basis",
            "string",
            "`printed` (the report prints this level for its own year) or `derived` (the earlier year's level "
            "computed as this year's level − the printed change).",
        ),
        ("change_wan", "float64", "For a derived point: the printed change (negative for 减少) it subtracts."),
        ("source_ref", "string", "Where the level (printed) or the change (derived) was read."),
        (
            "source_text",
            "string",
            "The sentence stating the level (for a 三公 point, the sentence stating the change).",
        ),
        (
            "note",
            "string",
            "How a derived point was computed, a comparison year that is not the year before, restatements.",
        ),
    ],
    "checks": [
        ("report_id", "string", "Report."),
        ("rule_id", "string", "Rule identifier (see docs/CHECKS.md)."),
        (
            "outcome",
            "string",
            "`pass`, `fail`, `uncertain` (the figures disagree, but at least one was placed by arithmetic or its "
            "reading is doubtful, so the disagreement may be ours, not the report's), `insufficient_data` or "
            "`not_applicable`.",
        ),
        ("severity", "string", "`error`, `warning` or `info` (info includes rounding-level differences)."),
        ("message", "string", "What was compared and what was found, readable without the code."),
        ("expected", "float64", "The value the report's other figures give."),
        ("found", "float64", "The value the report prints."),
        ("source_ref", "string", "Where both sides were read."),
    ],
    "quality": [
        ("report_id", "string", "Report (one row per report that could be read)."),
        ("checks_run", "Int64", "Checks that could be decided (pass + fail)."),
        ("passed", "Int64", "Checks that passed."),
        ("passed_rounding", "Int64", "Of those, passes with a non-zero difference inside the rounding envelope."),
        ("failed", "Int64", "Checks that failed."),
        ("failed_error", "Int64", "Failures of severity error."),
        ("failed_warning", "Int64", "Failures of severity warning."),
        ("insufficient_data", "Int64", "Checks that could not be decided: what they need is missing."),
        (
            "uncertain",
            "Int64",
            "Checks whose figures disagree where our reading is in doubt (cells placed by arithmetic, doubtful "
            "tables): not evidence against the report.",
        ),
        ("not_applicable", "Int64", "Checks that do not apply (e.g. a rate against a zero budget)."),
        (
            "tables_doubtful",
            "string",
            "Tables whose reading is doubtful, comma-separated (from `reports.tables_doubtful`).",
        ),
        (
            "rules_failed",
            "string",
            "Ids of the rules failing at severity error or warning, comma-separated (a failure of severity info, "
            "a figure cut in its last digit, is counted in `failed` only).",
        ),
        (
            "implicated",
            "string",
            "The figures the error and warning failures implicate: rule, printed value, expected value, where.",
        ),
    ],
    "table_readings": [
        ("report_id", "string", "Report."),
        ("table", "string", "Table code (T1..T9, U4)."),
        (
            "layout",
            "string",
            "How the table was printed in the source: `tab grid`, `pdf ruled table`, `spaced text` (single spaces "
            "between cells), `one cell per line`.",
        ),
        ("rows", "Int64", "Rows read."),
        (
            "values_by_position",
            "Int64",
            "Figures placed by their position (a column of a grid or PDF table, or a row printing every column).",
        ),
        (
            "values_by_arithmetic",
            "Int64",
            "Figures placed by the table's arithmetic because the source lost blank cells "
            "(`line_items.column_inferred`).",
        ),
        (
            "unplaced",
            "Int64",
            "Groups of figures that could not be placed (too many for the columns, or no placement adds up).",
        ),
        (
            "ambiguous_rows",
            "Int64",
            "Rows whose figures fit more than one column placement equally well; their uncertain cells are left blank.",
        ),
        ("sums_failing", "Int64", "Places where the table's own sums fail (合计 = Σ类, 类 = Σ款, 款 = Σ项)."),
        ("sums_hold", "boolean", "True when every such sum holds within rounding."),
        ("doubtful", "boolean", "True when the reading is in doubt (see README: how a reading is judged doubtful)."),
        ("reasons", "list", "Why the reading is doubtful, naming rows and lines."),
    ],
}

# What one row of each dataset is, in a sentence (load()'s attributes, describe(), datapackage.json,
# notebooks/start_here.ipynb).
SUMMARY: dict[str, str] = {
    "reports": "one row per report file: department, district, year, which tables were found, empty, missing "
    "or doubtful, `status` (ok / partial / failed) and, when something went wrong, `error`.",
    "line_items": "every cell of the standard tables in long form: table (T1..T9, U4), row label, function or "
    "economic code and its level (类/款/项), measure (the printed column) and `amount_wan`, with "
    "`source_ref` (line or page) and `doubtful`.",
    "function_rollup": "every function code of every table at every level (类/款/项): the printed rows, and "
    "the 款 and 类 totals a table does not print computed from the rows under them (`derived`), so a filter on "
    "a code finds every report.",
    "budget_execution": "every budget-vs-outturn statement (年初预算 / 全年预算 vs 决算) of the narrative "
    "and 绩效 tables, with the completion rate as printed and as recomputed.",
    "three_public": "三公经费 (overseas trips, official cars, receptions), budget and outturn per item, from the "
    "三公 table (`source` table) and from the narrative (`source` narrative).",
    "poverty_transfers": "money for 扶贫 / 巩固脱贫衔接乡村振兴: the 21305 function lines, projects, and "
    "paired-assistance amounts with the receiving place.",
    "narrative_facts": "figures the narrative (情况说明) states in words: totals, 人员/公用经费, "
    "机关运行经费, 政府采购, vehicles, with year-on-year changes and shares as printed.",
    "department_series": "one department's figures year by year from the prior-year changes its report "
    "prints: this year's level (printed) and the compared year's (derived as level − change), in nominal 万元.",
    "checks": "every consistency rule run on every report: `outcome` pass / fail / uncertain / "
    "insufficient_data / not_applicable, `severity`, expected vs found, where.",
    "quality": "one row per report that could be read: how many checks passed and failed (by severity), "
    "how many are `uncertain`, which tables were read with doubt.",
    "table_readings": "one row per table read: its layout, values placed by position or by arithmetic, "
    "sums that fail, and whether (and why) the reading is `doubtful`.",
}

# Columns that identify a row. Only where the extraction guarantees it (line_items has none: an
# empty table printed with three 合计 cells gives three identical rows).
PRIMARY_KEYS: dict[str, list[str]] = {
    "reports": ["report_id"],
    "quality": ["report_id"],
    "table_readings": ["report_id", "table"],
}

# The values a column can take, where the list is closed (datapackage.json's `enum` constraints,
# validated against the data in the tests). Open vocabularies (names, measures, units printed,
# engines, layouts) are not listed.
VALUES: dict[tuple[str, str], tuple[str, ...]] = {
    ("reports", "source_format"): ("pdf", "text", "pdf_scan", "image", "images", "xlsx", "xls", "docx", "html"),
    ("reports", "doc_kind"): ("final", "budget"),
    ("reports", "unit_kind"): ("部门", "单位"),
    ("reports", "template"): ("部门决算 (nine tables)", "高等学校 (university, four tables)"),
    ("reports", "status"): ("ok", "partial", "failed"),
    ("reports", "error_code"): tuple(c.value for c in ErrorCode),
    ("line_items", "side"): ("income", "expenditure"),
    ("line_items", "section"): ("personnel", "public", "total", "balance"),
    ("line_items", "code_domain"): ("function", "economic"),
    ("line_items", "level"): tuple(CODE_LEVELS.values()),
    ("function_rollup", "side"): ("income", "expenditure"),
    ("function_rollup", "level"): tuple(CODE_LEVELS.values()),
    ("budget_execution", "level"): ("overall", *CODE_LEVELS.values(), "project"),
    ("budget_execution", "subject"): ("spending", "three_public"),
    ("budget_execution", "budget_basis"): ("年初预算", "全年预算", "调整预算"),
    ("budget_execution", "source_kind"): ("narrative", "table"),
    ("budget_execution", "reason_kind"): REASON_KINDS,
    ("three_public", "item"): THREE_PUBLIC_ITEMS,
    ("three_public", "source"): ("table", "narrative"),
    ("poverty_transfers", "kind"): ("function_line", "project", "narrative"),
    ("poverty_transfers", "scope"): ("department", "district", "multi_year"),
    ("poverty_transfers", "series"): (POVERTY_OLD_NAME, POVERTY_NEW_NAME),
    ("poverty_transfers", "link"): ("same", "part"),
    ("department_series", "basis"): ("printed", "derived"),
    ("narrative_facts", "unit"): ("万元", "percent", "count"),
    ("checks", "outcome"): ("pass", "fail", "uncertain", "insufficient_data", "not_applicable"),
    ("checks", "severity"): ("error", "warning", "info"),
}

# Table codes: T1..T9, U4, and X1, X2 … for 决算 tables no template knows.
PATTERNS: dict[tuple[str, str], str] = {
    ("line_items", "table"): r"^(T[1-9]|U4|X[0-9]+)$",
    ("table_readings", "table"): r"^(T[1-9]|U4|X[0-9]+)$",
    ("function_rollup", "table"): r"^(T[1-9]|U4|X[0-9]+)$",
    ("function_rollup", "code"): r"^([0-9]{3}|[0-9]{5}|[0-9]{7})$",
}


def unit(dataset: str, column: str) -> str | None:
    """The unit of a column's values, by the contract's naming rule: `*_wan` in 万元, `*_pct` and
    `*_pct_printed` in percent; None for counts, codes and text (narrative_facts.value's unit is in
    its `unit` column)."""
    if column.endswith("_wan"):
        return "万元"
    if column.endswith("_pct") or "_pct_" in column:
        return "percent"
    return None


def columns(dataset: str) -> list[str]:
    return [c for c, _, _ in DATASETS[dataset]]


def empty(dataset: str) -> pd.DataFrame:
    """A dataset with no rows, its columns typed as documented (a copy: the caller may add to it)."""
    return _empty(dataset).copy()


@cache
def _empty(dataset: str) -> pd.DataFrame:
    # built once per process: a conform of every column costs ~7 ms, and a run asks for each dataset's many times
    return conform(pd.DataFrame(), dataset)


# the documented types that are pandas dtypes, as `astype` makes them (so `==` says "nothing to cast")
_PANDAS_DTYPES = {t: pd.api.types.pandas_dtype(t) for t in ("float64", "Int64", "boolean", "string")}


def conform(df: pd.DataFrame, dataset: str) -> pd.DataFrame:
    """Add missing columns as null, cast to the documented types, order columns as documented."""
    out = {}
    as_documented = True  # every column there with its type: the frame needs only its columns' order
    for name, dtype, _ in DATASETS[dataset]:
        s = df[name] if name in df.columns else pd.Series([None] * len(df), index=df.index, dtype="object")
        if name in df.columns and dtype in _PANDAS_DTYPES and s.dtype == _PANDAS_DTYPES[dtype]:
            out[name] = s  # already so (rows read back from our own files): a cast would only copy them
            continue
        as_documented = False
        if dtype == "float64":
            s = pd.to_numeric(s, errors="raise").astype("float64")
        elif dtype == "Int64":
            s = pd.to_numeric(s, errors="raise").astype("Int64")
        elif dtype == "boolean":
            s = s.astype("boolean")
        elif dtype == "date":
            s = pd.to_datetime(s, errors="raise").dt.date
        elif dtype == "list":
            s = s.map(lambda v: list(v) if isinstance(v, (list, tuple)) else ([] if v is None else list(v)))
        else:
            s = s.astype("string")
        out[name] = s
    extra = [c for c in df.columns if c not in out]
    if extra:
        raise ValueError(f"{dataset}: columns not in the data dictionary: {extra}")
    if as_documented:
        return df[list(out)].reset_index(drop=True)
    return pd.DataFrame(out, index=df.index).reset_index(drop=True)


def dictionary_markdown() -> str:
    """The data dictionary, generated from DATASETS."""
    parts = [
        "# Data dictionary",
        "",
        "Generated from `src/helpers/core/schema.py` by `python -m helpers dictionary`; do not edit by hand.",
        "Files: `data/processed/<dataset>.parquet`, a folder of Parquet files with one schema that pandas, pyarrow, "
        "DuckDB and Dask read as one table (`helpers.load()` does). One row per the grain stated. Money is in 万元.",
        "",
    ]
    for ds, cols in DATASETS.items():
        parts += [f"## `{ds}`", "", "| column | type | meaning |", "|---|---|---|"]
        parts += [f"| `{c}` | {t} | {d} |" for c, t, d in cols]
        parts.append("")
    parts += ["## Tables", "", "| code | title |", "|---|---|"]
    parts += [f"| {t.code} | {t.title} |" for t in TABLES]
    parts += ["", "## Measures (`line_items.measure`)", "", "| table | measure | printed column |", "|---|---|---|"]
    parts += [f"| {tab} | `{m}` | {label} |" for tab, m, label in MEASURES_DOC]
    return "\n".join(parts) + "\n"
