// A wall screen opened with a display token: when the server says the token was revoked
// (a callback answered 403 with X-EOC-Display: revoked), blank the screen with the message.
(function () {
  if (!window.fetch) { return; }
  var original = window.fetch.bind(window);
  window.fetch = function () {
    return original.apply(null, arguments).then(function (response) {
      if (response.status === 403 && response.headers.get("X-EOC-Display") === "revoked") {
        response.clone().json().then(function (body) {
          var note = document.createElement("p");
          note.className = "display-revoked-message";
          note.setAttribute("role", "alert");
          note.id = "display-revoked";
          note.textContent = (body && body.error) || "This display was revoked.";
          document.body.className = "display-revoked";
          document.body.replaceChildren(note);
        }).catch(function () {});
      }
      return response;
    });
  };
})();
