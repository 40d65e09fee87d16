/* The public map keeps the whole country in view on any screen. The server fits its view to a
   map `layout.meta.view_width_px` wide (eoc/web/components/view.py); a narrower map (a phone,
   390 px) zooms out by log2 of the ratio. Checked after every drawing: whenever the map
   shows the server's own zoom (a new figure arrived), it is fitted; a zoom the visitor chose
   is left alone. */
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
        gd.eocServerView = { zoom: view.zoom, base: meta.view_width_px };
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
  const width = gd.getBoundingClientRect().width;
  if (!(width > 0) || !map.loaded()) {  // not laid out or not loaded yet: look again shortly
    setTimeout(function () { fitPublicMap(gd); }, 100);
    return;
  }
  if (Math.abs(map.getZoom() - server.zoom) > 1e-6) {
    return;  // already fitted, or the visitor's own zoom
  }
  gd.eocFitted = true;
  if (width < server.base) {
    // As a visitor's zoom would: the map's move is written back to the figure by plotly.js.
    map.jumpTo({ zoom: server.zoom + Math.log2(width / server.base) });
  }
}
