/* The live board. A websocket to /ws/board/ says when anything on the board changed; the page
   then fetches the fresh table (or the panel that changed) from the server (the push carries ids
   and names only). It also fetches on every (re)connect, so whatever happened while the
   connection was down is never missed, and it reconnects with a growing delay when the
   connection drops. Each change carries its number: on every (re)connect and every heartbeat the
   page asks for the changes after the last number it saw ({"type": "resume", "last_change_id":
   N}), so a push the server could not deliver still refreshes the board, moments later. A page
   that asks from further back than the server keeps changes (it was away for days) is answered
   "refetch": it fetches the board afresh, as on a reconnect, and resumes from the number given. */
(function () {
  "use strict";

  var board = document.getElementById("board");
  var status = document.getElementById("board-status");
  if (!board || !status || !window.WebSocket || !window.fetch) { return; }

  var fragmentUrl = board.getAttribute("data-fragment-url");
  var socketPath = board.getAttribute("data-socket-path");
  var firstDelay = 1000;
  var maxDelay = 30000;
  var delay = firstDelay;
  var loading = false;
  var again = false;
  var HEARTBEAT_MS = 20000;
  var socket = null;
  var heartbeat = null;
  var lastChangeId = null;  // null until the first resume: "from now on"

  function two(n) { return (n < 10 ? "0" : "") + n; }

  function clock() {
    var now = new Date();
    return two(now.getHours()) + ":" + two(now.getMinutes()) + ":" + two(now.getSeconds());
  }

  function refresh() {
    // One fetch at a time; a change that arrives meanwhile asks for one more afterwards.
    if (loading) { again = true; return; }
    loading = true;
    fetch(fragmentUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.redirected || !response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        board.innerHTML = html;
        if (window.Countdown) { window.Countdown.update(board); }
        status.textContent = "Board updated " + clock();
      })
      .catch(function () {
        status.textContent = "Could not update the board at " + clock() +
          ". If this goes on, reload the page (you may need to sign in again).";
      })
      .then(function () {
        loading = false;
        if (again) { again = false; refresh(); }
      });
  }

  // A panel a higher app adds below the table (data-board-panel, data-fragment-url) is fetched
  // again when the socket says it changed, and on every (re)connect.
  function refreshPanel(panel) {
    var url = panel.getAttribute("data-fragment-url");
    if (!url) { return; }
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.redirected || !response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) { panel.innerHTML = html; })
      .catch(function () {
        status.textContent = "Could not update the board at " + clock() +
          ". If this goes on, reload the page (you may need to sign in again).";
      });
  }

  function refreshPanels(name) {
    var panels = document.querySelectorAll("[data-board-panel]");
    for (var i = 0; i < panels.length; i += 1) {
      if (!name || panels[i].getAttribute("data-board-panel") === name) { refreshPanel(panels[i]); }
    }
  }

  function resume() {
    if (socket && socket.readyState === window.WebSocket.OPEN) {
      var message = { type: "resume" };
      if (lastChangeId !== null) { message.last_change_id = lastChangeId; }
      socket.send(JSON.stringify(message));
    }
  }

  function changed(data) {
    // A change already seen (a push that a resume also brought) needs no second fetch.
    if (typeof data.id === "number") {
      if (lastChangeId !== null && data.id <= lastChangeId) { return; }
      lastChangeId = data.id;
    }
    refresh();
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    var current = new WebSocket(scheme + "//" + window.location.host + socketPath);
    socket = current;
    current.onopen = function () {
      delay = firstDelay;
      refresh();
      refreshPanels("");
      resume();
      heartbeat = window.setInterval(resume, HEARTBEAT_MS);
    };
    current.onmessage = function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (!data || typeof data !== "object") { return; }
      if (data.type === "board.changed") { changed(data); }
      if (data.type === "resumed" && typeof data.last_change_id === "number" &&
          (lastChangeId === null || data.last_change_id > lastChangeId)) {
        lastChangeId = data.last_change_id;
      }
      if (data.type === "resumed" && data.refetch === true) {
        refresh();
        refreshPanels("");
      }
      if (data.type === "board.panel" && typeof data.panel === "string") {
        refreshPanels(data.panel);
      }
    };
    current.onclose = function (event) {
      window.clearInterval(heartbeat);
      heartbeat = null;
      if (socket === current) { socket = null; }
      // 4401: signed out, deactivated or password changed. The page reloads into sign-in.
      if (event.code === 4401) { window.location.reload(); return; }
      // Jitter keeps many boards from reconnecting in step after a server restart.
      var wait = delay + Math.floor(Math.random() * 500);
      delay = Math.min(delay * 2, maxDelay);
      window.setTimeout(connect, wait);
    };
  }

  connect();
}());
