/* The public map keeps the whole country in view on any screen. The server fits its view to a
   map `layout.meta.view_width_px` wide (eoc/web/components/view.py); a narrower map (a phone,
   390 px) zooms out by log2 of the ratio, once per page: after that the visitor's own zoom
   and pan stay (the figure's uirevision keeps them across refreshes). */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  publicmap: {
    fit: function (figure) {
      const meta = figure && figure.layout && figure.layout.meta;
      const view = figure && figure.layout && figure.layout.map;
      if (!meta || !meta.view_width_px || !view || view.zoom === undefined) {
        return window.dash_clientside.no_update;
      }
      let tries = 0;
      const apply = function () {
        const gd = document.querySelector("#public-map .js-plotly-plot");
        const drawn = gd && gd._fullLayout && gd._fullLayout.map;
        if (!drawn) {
          if (++tries < 100) { setTimeout(apply, 100); }
          return;
        }
        if (gd.eocFitted) { return; }
        gd.eocFitted = true;
        const width = gd.getBoundingClientRect().width;
        if (width > 0 && width < meta.view_width_px) {
          window.Plotly.relayout(gd, { "map.zoom": view.zoom + Math.log2(width / meta.view_width_px) });
        }
      };
      apply();
      return { fitted_for_px: meta.view_width_px };
    },
  },
});

