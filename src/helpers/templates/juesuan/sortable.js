/* Click a column heading of a table to sort its rows (again to reverse). Numbers as printed
   ("1,234.56", "98.6%", "+0.05 pp") sort as numbers, blank cells last, text by Chinese collation.
   Inline and self-contained: nothing is fetched from another server. Tables whose row headings
   span several rows (a multi-level index) are left as they are. */
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
    return c ? (c.hasAttribute("data-sort") ? c.getAttribute("data-sort") : c.textContent) : "";
  }
  function attach(table) {
    var head = table.tHead, body = table.tBodies[0];
    if (!head || !body || body.querySelector("[rowspan]")) return false;
    var hrow = head.rows[0];
    Array.prototype.forEach.call(hrow.cells, function (th, i) {
      th.style.cursor = "pointer";
      th.title = "Sort by this column";
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
  if (typeof document !== "undefined") {
    document.addEventListener("DOMContentLoaded", function () {
      document.querySelectorAll(".jp-OutputArea-output table").forEach(attach);
    });
  }
  return { key: key, cmp: cmp, attach: attach };
})();
if (typeof module !== "undefined") module.exports = juesuanSort;
