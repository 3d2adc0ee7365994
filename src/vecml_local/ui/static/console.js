// vecml-local console: draws every [data-chart] container with Plotly, on load and after htmx swaps.
(function () {
  "use strict";

  function draw(root) {
    if (typeof Plotly === "undefined") {
      return;
    }
    var containers = (root || document).querySelectorAll("[data-chart][data-figure]");
    containers.forEach(function (el) {
      if (el.getAttribute("data-drawn") === "true") {
        return;
      }
      var figure = JSON.parse(el.getAttribute("data-figure"));
      Plotly.newPlot(el, figure.data, figure.layout, { displaylogo: false, responsive: true }).then(function () {
        el.setAttribute("data-drawn", "true");
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    draw(document);
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    draw(document);
  });
})();
