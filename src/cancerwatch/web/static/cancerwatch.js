// Draw every chart on the page from its JSON specification (see cancerwatch/web/figures.py).
// Each chart sits next to a table of the same figures, so pages work without JavaScript.
// A specification may carry ``narrow``: layout and trace changes for screens under 640 px
// (the map's colour bar goes below the map there).
(function () {
  'use strict';
  var NARROW = 640;
  function merge(target, changes) {
    Object.keys(changes).forEach(function (key) {
      var value = changes[key];
      if (value && typeof value === 'object' && !Array.isArray(value) && target[key] && typeof target[key] === 'object') {
        merge(target[key], value);
      } else {
        target[key] = value;
      }
    });
  }
  function draw(el) {
    var source = document.getElementById(el.getAttribute('data-chart'));
    if (!source || typeof Plotly === 'undefined') { return; }
    var spec = JSON.parse(source.textContent);
    if (spec.narrow && el.clientWidth < NARROW) {
      if (spec.narrow.layout) { merge(spec.layout, spec.narrow.layout); }
      if (spec.narrow.trace) { spec.data.forEach(function (trace) { merge(trace, spec.narrow.trace); }); }
    }
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
