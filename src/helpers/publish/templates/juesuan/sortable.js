/* Click a column heading of a table to sort its rows (again to reverse). Numbers as printed
   ("1,234.56", "98.6%", "+0.05 pp") sort as numbers, blank cells last, text by Chinese collation.
   A cell's data-sort attribute, when present, is its sort key. Tables longer than 15 rows get a
   filter box. Inline and self-contained: nothing is fetched from another server. Tables whose row
   headings span several rows (a multi-level index) are not sorted. */
var juesuanSort = (function () {
  function key(text) {
    var t = (text || "").trim();
    if (t === "") return [2, ""];
    var s = t.replace(/,/g, "").replace(/\s*(%|pp)$/, "");
    if (/^[+\-\u2212]?\d+(\.\d+)?$/.test(s)) return [0, parseFloat(s.replace("\u2212", "-"))];
    return [1, t];
  }
  function cmp(a, b) {
    var x = key(a), y = key(b);
    if (x[0] !== y[0]) return x[0] - y[0];
    if (x[0] === 0) return x[1] - y[1];
    return x[1].localeCompare(y[1], "zh");
  }
  function cellText(row, i) {
    var c = row.cells[i];  // a cell may give its sort key (data-sort) apart from its text
    var key = c && c.getAttribute ? c.getAttribute("data-sort") : null;
    return c ? (key !== null ? key : c.textContent) : "";
  }
  function attach(table) {
    var head = table.tHead, body = table.tBodies[0];
    if (!head || !body || body.querySelector("[rowspan]")) return false;
    var hrow = head.rows[0];
    Array.prototype.forEach.call(hrow.cells, function (th, i) {
      th.style.cursor = "pointer";
      th.title = word("sort_title");
      th.addEventListener("click", function () {
        var asc = th.getAttribute("aria-sort") !== "ascending";
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var a = cellText(r1, i), b = cellText(r2, i), ea = a.trim() === "", eb = b.trim() === "";
          if (ea !== eb) return ea ? 1 : -1;  // blank cells last either way
          var c = cmp(a, b);
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
        Array.prototype.forEach.call(hrow.cells, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
      });
    });
    return true;
  }
  // Long tables get a box above them that keeps only the rows containing the text typed.
  function addFilter(table) {
    var body = table.tBodies[0];
    if (!body || body.rows.length <= FILTER_MIN_ROWS || !table.parentNode) return false;
    var bar = document.createElement("div"), box = document.createElement("input"), note = document.createElement("span");
    bar.className = "juesuan-filter";
    box.type = "search";
    box.placeholder = word("filter_placeholder");
    box.setAttribute("aria-label", word("filter_label"));
    note.className = "juesuan-filter-count";
    box.addEventListener("input", function () {
      var q = box.value.trim().toLowerCase(), shown = 0;
      Array.prototype.forEach.call(body.rows, function (r) {
        var hit = !q || r.textContent.toLowerCase().indexOf(q) >= 0;
        r.style.display = hit ? "" : "none";
        if (hit) shown++;
      });
      note.textContent = q ? " " + word("filter_count").replace("{shown}", shown).replace("{total}", body.rows.length) : "";
    });
    bar.appendChild(box);
    bar.appendChild(note);
    table.parentNode.insertBefore(bar, table);
    return true;
  }
  var FILTER_MIN_ROWS = 15;
  // The page's words (helpers.publish.text, set by the page as JUESUAN_WORDS); English where a page sets none.
  var ENGLISH = {sort_title: "Sort by this column", filter_placeholder: "Filter rows…",
                 filter_label: "Show only the rows of the table below that contain this text",
                 filter_count: "{shown} of {total} rows"};
  function word(k) {
    var w = typeof JUESUAN_WORDS !== "undefined" ? JUESUAN_WORDS : {};
    return w[k] || ENGLISH[k];
  }
  if (typeof document !== "undefined") {
    document.addEventListener("DOMContentLoaded", function () {
      document.querySelectorAll(".jp-OutputArea-output table").forEach(function (t) { attach(t); addFilter(t); });
    });
  }
  return { key: key, cmp: cmp, attach: attach, addFilter: addFilter };
})();
if (typeof module !== "undefined") module.exports = juesuanSort;
