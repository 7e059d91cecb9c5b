"""The sortable tables' script (inline on every page, nothing fetched): run in node against a
small stand-in for the DOM, since no headless browser is installed here. Skipped without node."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest

from helpers.publish.pages import TEMPLATE_DIR

SCRIPT = TEMPLATE_DIR / "juesuan" / "sortable.js"

HARNESS = r"""
const sort = require(process.argv[1]);
function cell(t){ return {textContent:t, attrs:{}, style:{}, listeners:{},
  getAttribute(k){return this.attrs[k]===undefined?null:this.attrs[k];}, setAttribute(k,v){this.attrs[k]=v;},
  removeAttribute(k){delete this.attrs[k];}, addEventListener(e,f){this.listeners[e]=f;}}; }
function row(vals){ return {cells: vals.map(cell)}; }
const body = {rows: [row(["宣恩县","2,200.00","12.5%"]), row(["新洲区","300.00","-0.5%"]),
                     row(["来凤县","1,790.00","100.0%"]), row(["x","",""])],
  querySelector(){return null;}, appendChild(r){ this.rows.splice(this.rows.indexOf(r),1); this.rows.push(r);} };
const table = {tHead:{rows:[row(["Recipient","Amount (万元)","Rate (%)"])]}, tBodies:[body]};
const attached = sort.attach(table);
const col = i => body.rows.map(r=>r.cells[i].textContent);
const th = table.tHead.rows[0].cells;
th[1].listeners.click(); const asc = col(1);
th[1].listeners.click(); const desc = col(1);
th[2].listeners.click(); const rate = col(2);
const spanned = sort.attach({tHead:{rows:[row(["a"])]}, tBodies:[{rows:[], querySelector(){return {};}}]});
console.log(JSON.stringify({attached, asc, desc, rate, aria: th[2].getAttribute("aria-sort"), spanned}));
"""


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_sortable_tables_sort_numbers_as_printed_blanks_last():
    out = subprocess.run(["node", "-e", HARNESS, str(SCRIPT)], capture_output=True, text=True, timeout=60, check=True)
    r = json.loads(out.stdout)
    assert r["attached"] is True and r["spanned"] is False  # multi-level row headings are left alone
    assert r["asc"] == ["300.00", "1,790.00", "2,200.00", ""]
    assert r["desc"] == ["2,200.00", "1,790.00", "300.00", ""]
    assert r["rate"] == ["-0.5%", "12.5%", "100.0%", ""] and r["aria"] == "ascending"


def test_sortable_script_is_inlined_in_the_page_template():
    template = (TEMPLATE_DIR / "juesuan" / "index.html.j2").read_text(encoding="utf-8")
    assert "{% include 'sortable.js' %}" in template.replace('"', "'")
    assert "http" not in SCRIPT.read_text(encoding="utf-8")
