// Draw every chart on the page from its JSON specification (see cancerwatch/web/figures.py).
// Each chart sits next to a table of the same figures, so pages work without JavaScript.
(function () {
  'use strict';
  function draw(el) {
    var source = document.getElementById(el.getAttribute('data-chart'));
    if (!source || typeof Plotly === 'undefined') { return; }
    var spec = JSON.parse(source.textContent);
    var config = Object.assign({ responsive: true, displaylogo: false }, spec.config || {});
    var ready = spec.geojsonUrl
      ? fetch(spec.geojsonUrl).then(function (r) { return r.json(); }).then(function (geo) {
          spec.data.forEach(function (trace) { trace.geojson = geo; });
        })
      : Promise.resolve();
    ready.then(function () {
      return Plotly.newPlot(el, spec.data, spec.layout, config);
    }).then(function () {
      el.classList.add('cw-chart--drawn');
    });
  }
  document.querySelectorAll('[data-chart]').forEach(draw);
})();
