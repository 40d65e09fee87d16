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
      let locale = lang;
      try {
        new Intl.DateTimeFormat(locale);
      } catch (e) {
        locale = "en";
      }
      return [
        new Intl.DateTimeFormat(locale, timeOptions).format(t),
        wallDate(t, zone, (params && params.date_parts) || null),
      ];
    },
  },
});

/* The date in the wall's language from names the server sent (CLDR via Babel): Chromium's
   own locale data has no Tajik, and Intl would fall back to English. */
function wallDate(t, zone, parts) {
  const numbers = {};
  new Intl.DateTimeFormat("en-GB", {
    timeZone: zone, day: "numeric", month: "numeric", year: "numeric",
  }).formatToParts(t).forEach(function (p) { numbers[p.type] = Number(p.value); });
  if (!parts) {
    return numbers.year + "-" + String(numbers.month).padStart(2, "0") + "-" +
      String(numbers.day).padStart(2, "0");
  }
  const monday = (new Date(Date.UTC(numbers.year, numbers.month - 1, numbers.day)).getUTCDay() + 6) % 7;
  return parts.pattern
    .replace("{weekday}", parts.days[monday])
    .replace("{day}", String(numbers.day))
    .replace("{month}", parts.months[numbers.month - 1])
    .replace("{year}", String(numbers.year));
}

/* The viewport in CSS pixels, so the server fits map views to the real screen (a 4K wall at
   100% scaling has twice the pixels of a 1080p one). The viewport, not the map box: the box
   is not laid out yet when this first runs, and it shifts as banners come and go. */
window.dash_clientside.wall.measure = function () {
  return { width: window.innerWidth, height: window.innerHeight };
};
