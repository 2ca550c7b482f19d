/* The live work list on the home page. A websocket to /ws/worklist/ says when anything on the
   partnership's work lists may have changed (the push carries nothing); the page then fetches
   the member's own list from the server. It fetches on every (re)connect too, so nothing that
   happened while the connection was down is missed, and reconnects with a growing delay.
   An item whose form the member has started (text typed, or focus inside) is kept as it is
   while it is still on the list. Forms on the list are sent in the background and the list
   fetched again; if that fails, the form is sent the ordinary way (the page shows why). */
(function () {
  "use strict";

  var list = document.getElementById("worklist");
  var status = document.getElementById("worklist-status");
  if (!list || !status || !window.fetch || !window.DOMParser) { return; }

  var fragmentUrl = list.getAttribute("data-fragment-url");
  var socketPath = list.getAttribute("data-socket-path");
  var firstDelay = 1000;
  var maxDelay = 30000;
  var delay = firstDelay;
  var loading = false;
  var again = false;

  function two(n) { return (n < 10 ? "0" : "") + n; }

  function clock() {
    var now = new Date();
    return two(now.getHours()) + ":" + two(now.getMinutes());
  }

  function started(item) {
    if (item.contains(document.activeElement) && document.activeElement !== document.body) {
      return true;
    }
    var fields = item.querySelectorAll("textarea, input[type=text]");
    return Array.prototype.some.call(fields, function (field) { return field.value.trim() !== ""; });
  }

  function swap(html) {
    var fresh = document.createElement("div");
    fresh.innerHTML = html;
    // Keep what the member is in the middle of, where the same item is still listed.
    Array.prototype.forEach.call(list.querySelectorAll("[data-key]"), function (old) {
      if (!started(old)) { return; }
      var key = old.getAttribute("data-key");
      var match = fresh.querySelector('[data-key="' + key + '"]');
      if (match) { match.parentNode.replaceChild(old, match); }
    });
    list.innerHTML = "";
    while (fresh.firstChild) { list.appendChild(fresh.firstChild); }
    if (window.Countdown) { window.Countdown.update(list); }
  }

  // When the member last did something here: its "Done" stays said for a while, rather than
  // being replaced at once by the refresh it causes.
  var doneAt = 0;

  function refresh() {
    if (loading) { again = true; return; }
    loading = true;
    fetch(fragmentUrl, { credentials: "same-origin", cache: "no-store" })
      .then(function (response) {
        if (response.redirected || !response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        swap(html);
        if (Date.now() - doneAt > 10000) {
          status.textContent = "Your work list was updated at " + clock() + ".";
        }
      })
      .catch(function () {
        status.textContent = "Could not update your work list at " + clock() +
          ". If this goes on, reload the page (you may need to sign in again).";
      })
      .then(function () {
        loading = false;
        if (again) { again = false; refresh(); }
      });
  }

  list.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.getAttribute("data-sent")) { return; }
    event.preventDefault();
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    var what = form.closest("[data-key]");
    var title = what ? what.querySelector(".work-what") : null;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" }
    })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        if (what) { what.remove(); }
        doneAt = Date.now();
        status.textContent = "Done: " + (title ? title.textContent.trim() : "sent") + ".";
        refresh();
      })
      .catch(function () {
        // Send it the ordinary way: the page it lands on says what is wrong.
        form.setAttribute("data-sent", "yes");
        if (button) { button.disabled = false; }
        form.submit();
      });
  });

  document.addEventListener("alerts:event", function () { refresh(); });

  function connect() {
    if (!window.WebSocket) { return; }
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    var socket = new WebSocket(scheme + "//" + window.location.host + socketPath);
    socket.onopen = function () {
      delay = firstDelay;
      list.setAttribute("data-live", "true");
      refresh();
    };
    socket.onmessage = function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (data && data.type === "worklist.changed") { refresh(); }
    };
    socket.onclose = function (event) {
      list.setAttribute("data-live", "false");
      if (event.code === 4401 || event.code === 4403) {
        status.textContent = "Live updates stopped: reload the page to sign in again.";
        return;
      }
      window.setTimeout(connect, delay);
      delay = Math.min(delay * 2, maxDelay);
    };
  }

  connect();
}());
