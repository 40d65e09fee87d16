/* The public map keeps the whole country in view, as large as the map allows, on any screen.
   The server fits its view to a map `layout.meta.view_width_px` wide and `view_aspect` times
   that high (eoc/web/components/view.py); a map of another size zooms by log2 of the smaller of the two
   ratios: out on a phone (390 px), in on a 4K screen. Checked after every drawing: whenever
   the map shows the server's own zoom (a new figure arrived), it is fitted; a zoom the
   visitor chose is left alone. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  publicmap: {
    fit: function (figure) {
      const meta = figure && figure.layout && figure.layout.meta;
      const view = figure && figure.layout && figure.layout.map;
      if (!meta || !meta.view_width_px || !view || view.zoom === undefined) {
        return window.dash_clientside.no_update;
      }
      let tries = 0;
      const watch = function () {
        const gd = document.querySelector("#public-map .js-plotly-plot");
        if (!gd || !gd.on) {
          if (++tries < 100) { setTimeout(watch, 100); }
          return;
        }
        gd.eocServerView = {
          zoom: view.zoom, base: meta.view_width_px, aspect: meta.view_aspect || 0.75,
        };
        if (!gd.eocWatching) {
          gd.eocWatching = true;
          gd.on("plotly_afterplot", function () { fitPublicMap(gd); });
        }
        fitPublicMap(gd);
      };
      watch();
      return { fitted_for_px: meta.view_width_px };
    },
  },
});

function fitPublicMap(gd) {
  // The MapLibre map itself, not the layout: a relayout made while a figure is being drawn
  // can change the layout and leave the map where it was.
  const sub = gd._fullLayout && gd._fullLayout.map && gd._fullLayout.map._subplot;
  const map = sub && sub.map;
  const server = gd.eocServerView;
  if (!map || !server) {
    return;
  }
  const box = gd.getBoundingClientRect();
  if (!(box.width > 0 && box.height > 0) || !map.loaded()) {  // not yet: look again shortly
    setTimeout(function () { fitPublicMap(gd); }, 100);
    return;
  }
  if (Math.abs(map.getZoom() - server.zoom) > 1e-6) {
    return;  // already fitted, or the visitor's own zoom
  }
  gd.eocFitted = true;
  const ratio = Math.min(box.width / server.base, box.height / (server.base * server.aspect));
  if (Math.abs(Math.log2(ratio)) > 0.05) {
    // As a visitor's zoom would: the map's move is written back to the figure by plotly.js.
    map.jumpTo({ zoom: server.zoom + Math.log2(ratio) });
  }
}
