// Shows whether the page holds a live Socket.IO connection to the server.
(function () {
  "use strict";
  var box = document.querySelector("[data-live-status]");
  if (!box || typeof io === "undefined") { return; }
  function show(state) {
    box.dataset.current = state;
    box.querySelectorAll("[data-state]").forEach(function (el) {
      el.hidden = el.dataset.state !== state;
    });
  }
  var socket = io("/live", { transports: ["websocket"] });
  socket.on("connect", function () {
    socket.emit("whoami", null, function (reply) { show(reply && reply.ok ? "connected" : "offline"); });
  });
  socket.on("disconnect", function () { show("offline"); });
  socket.on("connect_error", function () { show("offline"); });
  // Signed out on the server (logout elsewhere, password or account changed): to the login page.
  function signedOut() { window.location.assign("/login"); }
  socket.on("signed_out", signedOut);
  socket.on("disconnect", function (reason) { if (reason === "io server disconnect") { signedOut(); } });
}());
