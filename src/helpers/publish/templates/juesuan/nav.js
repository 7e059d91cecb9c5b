// the sections' list closes once a section is chosen, or on a click elsewhere
document.addEventListener("click", function (e) {
  document.querySelectorAll("details.juesuan-toc[open]").forEach(function (d) {
    if (!d.contains(e.target) || e.target.closest("a")) d.removeAttribute("open");
  });
});
