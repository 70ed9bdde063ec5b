// portfolio: on a phone the facets start folded so the results come first on the screen.
(function () {
  var narrow = window.matchMedia("(max-width: 760px)");
  function fold(root) {
    if (!narrow.matches) return;
    root.querySelectorAll("details.facet").forEach(function (d) { d.removeAttribute("open"); });
  }
  document.addEventListener("DOMContentLoaded", function () { fold(document); });
  document.addEventListener("htmx:afterSwap", function (event) { fold(event.detail.elt.parentNode || document); });
})();
