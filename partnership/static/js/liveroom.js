/* The live room's connection, one for every room page (conference/room.js, gold/group.js): the
   client half of partnership.consumers.LiveRoomConsumer.

   window.liveRoom({path, lastEntryId, onState, onEntry, say, onLost, refusedText}) opens the
   websocket at path. The server sends the room's state on connecting ({"type": "state"}), each
   new entry this member may see ({"type": "entry"}) and the state again after other changes.
   Every 30 seconds, after a reconnection and whenever the page asks (the returned
   askForState()), it sends {"type": "resume", "last_entry_id": lastEntryId()}; the answer
   ({"type": "resumed"}) carries the state and the entries after it, from the database. A lost
   connection is retried with a growing, jittered delay; a close with 4401 (signed out) reloads
   the page into sign-in, 4403 says refusedText and stops. */
(function () {
  "use strict";

  var FIRST_DELAY_MS = 1000;
  var MAX_DELAY_MS = 30000;
  var HEARTBEAT_MS = 30000;

  function parsed(text) {
    try { return JSON.parse(text); } catch (e) { return null; }
  }

  window.liveRoom = function (options) {
    var socket = null;
    var delay = FIRST_DELAY_MS;
    var heartbeat = null;
    var connectedBefore = false;
    var say = options.say || function () {};

    function askForState() {
      if (socket && socket.readyState === window.WebSocket.OPEN) {
        socket.send(JSON.stringify({ type: "resume", last_entry_id: options.lastEntryId() }));
      }
    }

    function connect() {
      var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
      var current = new window.WebSocket(scheme + "//" + window.location.host + options.path);
      socket = current;
      current.onopen = function () {
        delay = FIRST_DELAY_MS;
        say(connectedBefore ? "Reconnected: the room is up to date." : "");
        if (connectedBefore) { askForState(); }
        connectedBefore = true;
        heartbeat = window.setInterval(askForState, HEARTBEAT_MS);
      };
      current.onmessage = function (message) {
        var data = parsed(message.data);
        if (!data || typeof data !== "object") { return; }
        if (data.type === "state" || data.type === "resumed") {
          options.onState(data);
        } else if (data.type === "entry") {
          options.onEntry(data);
        } else if (data.type === "error" && typeof data.detail === "string") {
          say(data.detail);
        }
      };
      current.onclose = function (event) {
        window.clearInterval(heartbeat);
        heartbeat = null;
        if (socket === current) { socket = null; }
        if (options.onLost) { options.onLost(); }
        // 4401: signed out, deactivated or password changed. The page reloads into sign-in.
        if (event.code === 4401) { window.location.reload(); return; }
        if (event.code === 4403) { say(options.refusedText || "Reload the page."); return; }
        say("The connection to the room was lost. Reconnecting; anything recorded meanwhile " +
            "will appear when it is back.");
        // Jitter keeps many rooms from reconnecting in step after a server restart.
        var wait = delay + Math.floor(Math.random() * 500);
        delay = Math.min(delay * 2, MAX_DELAY_MS);
        window.setTimeout(connect, wait);
      };
    }

    connect();
    return { askForState: askForState };
  };
})();
