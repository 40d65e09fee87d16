/* The wall screen's clock: Dushanbe time, ticking in the browser (no request, no network).
   With a test/replay time (?now=) it runs on from that time. */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  wall: {
    tick: function (n, params) {
      if (!n || !window.eocWallStart) {
        window.eocWallStart = Date.now();
      }
      let t = Date.now();
      if (params && params.now) {
        t = Date.parse(params.now) + (Date.now() - window.eocWallStart);
      }
      const lang = (params && params.lang) || "en";
      const zone = "Asia/Dushanbe";
      const timeOptions = {
        timeZone: zone, hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
      };
      const dateOptions = {
        timeZone: zone, weekday: "long", day: "numeric", month: "long", year: "numeric",
      };
      let locale = lang;
      try {
        new Intl.DateTimeFormat(locale);
      } catch (e) {
        locale = "en";
      }
      return [
        new Intl.DateTimeFormat(locale, timeOptions).format(t),
        new Intl.DateTimeFormat(locale, dateOptions).format(t),
      ];
    },
  },
});

/* The viewport in CSS pixels, so the server fits map views to the real screen (a 4K wall at
   100% scaling has twice the pixels of a 1080p one). The viewport, not the map box: the box
   is not laid out yet when this first runs, and it shifts as banners come and go. */
window.dash_clientside.wall.measure = function () {
  return { width: window.innerWidth, height: window.innerHeight };
};
