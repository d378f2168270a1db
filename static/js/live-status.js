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
}());
