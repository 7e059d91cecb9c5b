"""How executed notebooks become pages: nbconvert's lab template without any outside request
(`templates/juesuan`: no require.js, MathJax or mermaid from a CDN), a navigation bar linking the
index, every study and the page's own sections, and figures with alt text.

Pages live one folder below `reports/` (`reports/studies/x.html`, `reports/reports/y.html`), so
the links are relative (`../index.html`) and the folder can be copied anywhere. `render_page`
(`python -m helpers page`) makes the same kind of page from any executed notebook, standing alone:
no links to an index or studies it does not have, only its own sections.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote

from nbconvert import HTMLExporter

from .text import HTML_LANG, t

TEMPLATE_DIR = Path(__file__).parent / "templates"
TEMPLATE_NAME = "juesuan"
WORDS = ("index", "index_link_title", "studies", "on_this_page", "other_edition", "other_edition_title", "figure_csv")
HTML_TAG = re.compile(r"<html\b[^>]*>", re.IGNORECASE)
# Any URL a page could fetch from another server (scripts, styles, fonts, images, frames).
OUTSIDE_FETCH = re.compile(
    r"""<(?:script|img|iframe|audio|video|source|embed)\b[^>]*\bsrc\s*=\s*["']?(?:https?:)?//"""
    r"""|<link\b[^>]*\bhref\s*=\s*["']?(?:https?:)?//"""
    r"""|@import\s+(?:url\()?\s*["']?(?:https?:)?//"""
    r"""|url\(\s*["']?(?:https?:)?//""",
    re.IGNORECASE,
)


def exporter() -> HTMLExporter:
    """An HTMLExporter with the code hidden and the project's self-contained template."""
    return HTMLExporter(
        template_name=TEMPLATE_NAME,
        extra_template_basedirs=[str(TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )


def _heading_text(line: str) -> str:
    text = re.sub(r"^#+\s*", "", line).strip()
    return re.sub(r"[*_`]", "", text)


def heading_id(text: str) -> str:
    """The id nbconvert gives a markdown heading (its private `_convert_header_id`, nbconvert 7: spaces
    to `-`, then URL-quoted), so the navigation's links land on the headings; tests/test_page_tables.py
    checks it against the ids of a page nbconvert rendered."""
    return quote(text.replace(" ", "-"), safe="?/:@!$&'()*+,;=")


def js_words(lang: str) -> dict[str, str]:
    """The words of the pages' script (sortable.js: its tooltip, filter box and count)."""
    return {k: t(f"js.{k}", lang) for k in ("sort_title", "filter_placeholder", "filter_label", "filter_count")}


def toc(nb) -> list[dict]:
    """The `##` headings of the notebook's markdown cells, with nbconvert's anchor ids."""
    out = []
    for cell in nb.cells:
        if cell.cell_type != "markdown":
            continue
        for line in str(cell.source).splitlines():
            if re.match(r"^##\s+\S", line) and not line.startswith("###"):
                text = _heading_text(line)
                out.append({"text": text, "anchor": heading_id(text)})
    return out


def page_resources(
    nb, title: str, kind: str, name: str, studies: tuple[str, ...], lang: str = "zh", other_href: str | None = None
) -> dict:
    """nbconvert resources for one page: its title, language, the navigation bar (in `lang`) and
    the link to the same page in the other edition (`other_href`, relative; None: none built)."""
    nav = {
        "index_href": "../index.html",
        "kind": kind,
        "studies": [
            {
                "title": t(f"study.{s}.title", lang),
                "href": f"../studies/{s}.html",
                "current": kind == "study" and s == name,
            }
            for s in studies
        ],
        "toc": toc(nb),
        "words": {k: t(f"site.{k}", lang) for k in WORDS},
        "other_href": other_href,
        "other_lang": "en" if lang == "zh" else "zh-CN",
        "js": js_words(lang),
    }
    return {"metadata": {"name": title}, "juesuan_nav": nav, "juesuan_lang": HTML_LANG[lang]}


def standalone_resources(nb, title: str, lang: str = "zh") -> dict:
    """nbconvert resources for a page that stands alone: its title and its own sections only."""
    words = {k: t(f"site.{k}", lang) for k in WORDS}
    nav = {"kind": "page", "studies": [], "toc": toc(nb), "words": words, "js": js_words(lang)}
    return {"metadata": {"name": title}, "juesuan_nav": nav, "juesuan_lang": HTML_LANG[lang]}


def with_html_lang(body: str, resources: dict) -> str:
    """The page's `<html lang>` as its language says (nbconvert's exporter only knows two-letter
    ISO 639-1 codes and writes its own; a Chinese page says zh-CN)."""
    code = resources.get("juesuan_lang")
    return HTML_TAG.sub(f'<html lang="{code}">', body, count=1) if code else body


class PageError(Exception):
    """A notebook that cannot become a page: which file, and what is wrong."""

    def __init__(self, path: Path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path, self.problem = path, problem


def render_page(notebook: Path, out: Path | None = None, title: str | None = None) -> Path:
    """Write an executed notebook (e.g. papermill's output of notebooks/report.ipynb) as one
    self-contained HTML page with the project's template: code hidden, navigation to its sections,
    sortable tables, figures' data as CSV links, nothing fetched from another server. `out`
    defaults to the notebook's name with `.html`; `title` to its file name. Returns the page's path."""
    import nbformat

    from ..data.storage import write_text_atomic

    notebook = Path(notebook)
    if not notebook.is_file():
        raise PageError(notebook, "no such notebook")
    try:
        nb = nbformat.read(str(notebook), as_version=4)
    except Exception as exc:  # nbformat raises JSON, validation and encoding errors of its own
        raise PageError(notebook, f"not a readable Jupyter notebook ({type(exc).__name__}: {exc})") from exc
    if not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"):
        raise PageError(
            notebook,
            "no cell has any output: execute it first, e.g. "
            "papermill notebooks/report.ipynb out.ipynb -p source FILE.pdf",
        )
    out = notebook.with_suffix(".html") if out is None else Path(out)
    params = nb.metadata.get("papermill", {}).get("parameters", {})
    lang = params.get("lang") if params.get("lang") in HTML_LANG else "zh"  # the language it was run in
    body = page_html(nb, standalone_resources(nb, title or notebook.stem, lang))
    out.parent.mkdir(parents=True, exist_ok=True)
    write_text_atomic(out, body)
    return out


def outside_references(html_text: str) -> list[str]:
    """Places where a page would fetch something from another server (empty when self-contained)."""
    return [m.group(0) for m in OUTSIDE_FETCH.finditer(html_text)]


# ---------------------------------------------------------------------------------------------
# HTML of an executed notebook

_local = threading.local()  # one exporter per thread


def _page_exporter(fast: bool):
    """nbconvert's exporter, made once per thread: building one costs more than a page."""
    exporters: dict[bool, Any] = _local.__dict__.setdefault("exporters", {})
    if fast not in exporters:
        exporters[fast] = exporter()
        # validate the notebook once, not again after each of its dozen preprocessors
        exporters[fast].optimistic_validation = fast
    return exporters[fast]


# What nbconvert's HTMLExporter does to a page after its template, done on the text: its own way
# parses and re-serialises the whole page with BeautifulSoup's pure-Python parser (~80% of the
# rendering time of a report page with its styled tables). Same elements and attributes in the
# same order; tests/test_warm_kernels.py checks the result against nbconvert's own.
_NO_ALT = "No description has been provided for this image"
_IMG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
_FOCUSABLE = re.compile(
    r'<div\b(?=[^>]*\bclass="(?:[^"]*\s)?(?:jp-Cell-inputWrapper|jp-OutputArea-output)'
    r'(?:\s[^"]*)?")[^>]*?(?=/?>)',
    re.IGNORECASE,
)


def _with_alt(m: re.Match) -> str:
    tag = m.group(0)
    if re.search(r"\salt\s*=", tag, re.IGNORECASE):
        return tag
    end = len(tag) - (2 if tag.endswith("/>") else 1)
    return f'{tag[:end]} alt="{_NO_ALT}"{tag[end:]}'


def _html_without_soup(exporter, nb, resources: dict) -> str:
    """HTMLExporter.from_notebook_node (nbconvert 7) with its BeautifulSoup pass done by _IMG/_FOCUSABLE."""
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    langinfo = nb.metadata.get("language_info", {})
    lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))
    highlight = exporter.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=exporter))
    # Two private members of HTMLExporter: nothing public gives the same resources and metadata. The
    # nbconvert range pyproject.toml allows is the tested one; tests/test_warm_kernels.py compares
    # this page with nbconvert's own, so a release that changes them fails there first.
    resources = exporter._init_resources(resources)
    data_type = WidgetsDataTypeFilter(notebook_metadata=exporter._nb_metadata, parent=exporter, resources=resources)
    exporter.register_filter("highlight_code", highlight)
    exporter.register_filter("filter_data_type", data_type)
    body, _ = TemplateExporter.from_notebook_node(exporter, nb, resources)
    body = _IMG.sub(_with_alt, body)
    focusable = ".jp-Notebook" in body  # nbconvert selects them inside .jp-Notebook
    return _FOCUSABLE.sub(lambda m: _set_tabindex(m.group(0)), body) if focusable else body


def _set_tabindex(tag: str) -> str:
    if re.search(r'\stabindex\s*=\s*"[^"]*"', tag):
        return re.sub(r'(\stabindex\s*=\s*)"[^"]*"', r'\1"0"', tag)
    return tag + ' tabindex="0"'


def page_html(nb, resources: dict, *, fast: bool = True) -> str:
    """The page of an executed notebook: nbconvert's exporter made once per process; `fast` skips
    its BeautifulSoup pass (same page; the cold reference uses nbconvert's own)."""
    exporter = _page_exporter(fast)
    if fast:
        return with_html_lang(_html_without_soup(exporter, nb, resources), resources)
    return with_html_lang(exporter.from_notebook_node(nb, resources=resources)[0], resources)
