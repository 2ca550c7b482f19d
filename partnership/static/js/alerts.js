/* Live alerts on every page a signed-in member has open.

   base.html puts on <body>: data-alerts-socket (the websocket path), data-member-id,
   data-unread (the unread count when the page was made) and data-last-event-id (the member's
   latest live event then: the page already reflects everything up to it).

   The socket numbers every event it sends ("id"). On each (re)connect, and every 20 seconds as a
   heartbeat, the page sends {"type": "resume", "last_event_id": N} with the highest id it has
   seen; the server replays every later event from the database. So an alert pushed while the
   connection was down, or while Redis was away, arrives late but is never lost. Each event also
   names the member's event before it ("previous"): one whose predecessor has not been seen is held
   back and a resume asked for, so a push that overtook another (or was lost) cannot make the page
   skip anything. The highest id is
   also kept in localStorage per member, so a page opened from a stale cache resumes where the
   member's other pages had got to. An event already seen (a push and its replay) is shown once,
   and so is a notification (two events for one notification show one banner). A page away for
   longer than the server keeps events is sent {"type": "skipped", "up_to": N}: it moves on to N,
   says that the inbox has what it missed, and lets the page's other scripts fetch afresh.

   Notifications appear as dismissible alerts: urgent ones in a role="alert" region, the others in
   a polite live region. The unread badge and the "(n)" at the start of the page title follow the
   "unread" count every event carries. Everything is written with textContent, never as HTML. */
(function () {
  "use strict";

  var body = document.body;
  var socketPath = body.getAttribute("data-alerts-socket");
  var urgentRegion = document.getElementById("live-alerts-urgent");
  var normalRegion = document.getElementById("live-alerts-normal");
  var statusLine = document.getElementById("live-alerts-status");

  var HEARTBEAT_MS = 20000;
  var FIRST_DELAY_MS = 1000;
  var MAX_DELAY_MS = 30000;
  var SHOW_OFFLINE_AFTER_MS = 10000;
  var MAX_SHOWN = 5;
  var SEEN_LIMIT = 1000;
  var BODY_CHARS = 300;

  var memberId = body.getAttribute("data-member-id") || "";
  var storageKey = "partnership.alerts.last-event-id." + memberId;
  var inboxLink = document.querySelector("a.inbox-link");
  var inboxUrl = inboxLink ? inboxLink.getAttribute("href") : "/inbox/";
  var baseTitle = document.title.replace(/^\(\d+\) /, "");

  function whole(value) {
    var n = parseInt(value, 10);
    return isFinite(n) && n > 0 ? n : 0;
  }

  function storedId() {
    try { return whole(window.localStorage.getItem(storageKey)); } catch (e) { return 0; }
  }

  function store(id) {
    try {
      if (id > storedId()) { window.localStorage.setItem(storageKey, String(id)); }
    } catch (e) { /* private browsing: the in-page number is enough */ }
  }

  // --- The unread count: badge, its spoken label and the page title ------------------------------
  function unreadSet(count) {
    if (typeof count !== "number" || !isFinite(count) || count < 0) { return; }
    body.setAttribute("data-unread", String(count));
    var badges = document.querySelectorAll("[data-unread-badge]");
    for (var i = 0; i < badges.length; i += 1) {
      var badge = badges[i];
      var number = badge.querySelector("[data-unread-number]");
      var label = badge.querySelector("[data-unread-label]");
      if (number) { number.textContent = String(count); }
      if (label) {
        label.textContent = count + " unread notification" + (count === 1 ? "" : "s");
      }
      badge.classList.toggle("is-empty", count === 0);
    }
    document.title = count > 0 ? "(" + count + ") " + baseTitle : baseTitle;
  }

  unreadSet(whole(body.getAttribute("data-unread")));
  if (!socketPath || !urgentRegion || !normalRegion || !window.WebSocket || !window.JSON) {
    return;
  }

  // --- Which events have been seen ---------------------------------------------------------------
  // Everything up to the page's own number is already on the page.
  var floor = whole(body.getAttribute("data-last-event-id"));
  var lastEventId = Math.max(storedId(), floor);
  var seen = {};
  var seenOrder = [];
  var shownNotifications = {};  // notification id -> true, once its banner has been shown
  var shownOrder = [];

  function firstSighting(id) {
    if (id <= floor || seen[id]) { return false; }
    seen[id] = true;
    seenOrder.push(id);
    if (seenOrder.length > SEEN_LIMIT) { delete seen[seenOrder.shift()]; }
    if (id > lastEventId) {
      lastEventId = id;
      store(id);
    }
    return true;
  }

  // --- Showing notifications ---------------------------------------------------------------------
  var socket = null;
  var waitingForAck = {};  // notification id -> its alert, while an acknowledge is on its way
  var lastAcknowledged = null;

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function sameSite(url) {
    // Only a path on this site: never a link to elsewhere, whatever the payload says.
    if (typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" &&
        url.charAt(1) !== "\\") {
      return url;
    }
    return inboxUrl;
  }

  function shortened(text) {
    text = typeof text === "string" ? text : "";
    return text.length > BODY_CHARS ? text.slice(0, BODY_CHARS - 1) + "…" : text;
  }

  function alertsOf(notificationId) {
    return document.querySelectorAll(
      '.toast[data-notification-id="' + String(notificationId) + '"]');
  }

  function statusSay(toast, text) {
    var line = toast.querySelector(".toast-status");
    if (line) { line.textContent = text; }
  }

  function dismiss(toast) {
    var hadFocus = toast.contains(document.activeElement);
    var next = toast.nextElementSibling || toast.previousElementSibling;
    if (toast.parentNode) { toast.parentNode.removeChild(toast); }
    if (hadFocus) {
      var target = (next && next.querySelector("button")) || document.getElementById("main");
      if (target) { target.focus(); }
    }
  }

  function acknowledge(toast, notificationId, button) {
    if (!socket || socket.readyState !== window.WebSocket.OPEN) {
      statusSay(toast, "Not connected just now. Acknowledge it from your inbox.");
      return;
    }
    button.disabled = true;
    waitingForAck[notificationId] = toast;
    lastAcknowledged = notificationId;
    statusSay(toast, "Acknowledging…");
    socket.send(JSON.stringify({ type: "acknowledge", notification_id: notificationId }));
  }

  function showNotification(event) {
    var notificationId = event.notification_id;
    if (typeof notificationId !== "number") { return; }
    // One banner per notification, whatever the event: the server numbers a notification once,
    // but an older server (or a replay racing a push under a new id) must not show it twice.
    if (shownNotifications[notificationId] || alertsOf(notificationId).length > 0) { return; }
    shownNotifications[notificationId] = true;
    shownOrder.push(notificationId);
    if (shownOrder.length > SEEN_LIMIT) { delete shownNotifications[shownOrder.shift()]; }
    var urgent = event.urgency === "urgent";
    var title = typeof event.title === "string" ? event.title : "New notification";

    var toast = element("div", "toast" + (urgent ? " toast--urgent" : ""));
    toast.setAttribute("data-notification-id", String(notificationId));

    var heading = element("p", "toast-title");
    if (urgent) {
      heading.appendChild(element("span", "tag urgent", "Urgent"));
      heading.appendChild(document.createTextNode(" "));
    }
    var link = element("a", "", title);
    link.href = sameSite(event.url);
    heading.appendChild(link);
    toast.appendChild(heading);
    if (event.body) { toast.appendChild(element("p", "toast-body", shortened(event.body))); }

    var actions = element("div", "toast-actions");
    if (!event.state || event.state === "open") {
      var ack = element("button", "button", "Acknowledge");
      ack.type = "button";
      ack.setAttribute("data-acknowledge", "");
      ack.appendChild(element("span", "visually-hidden", ": " + title));
      ack.addEventListener("click", function () { acknowledge(toast, notificationId, ack); });
      actions.appendChild(ack);
    }
    // Hidden, not dismissed: a page may have a Dismiss button of its own (a repeat flag's),
    // which means something else.
    var close = element("button", "app-link-button", "Hide this alert");
    close.type = "button";
    close.appendChild(element("span", "visually-hidden", ": " + title));
    close.addEventListener("click", function () { dismiss(toast); });
    actions.appendChild(close);
    toast.appendChild(actions);
    toast.appendChild(element("p", "toast-status"));

    (urgent ? urgentRegion : normalRegion).appendChild(toast);

    var shown = document.querySelectorAll(".toast");
    for (var i = 0; i < shown.length - MAX_SHOWN; i += 1) { dismiss(shown[i]); }
  }

  function showUpdated(event) {
    if (event.state === "open") { return; }
    var words = event.state === "answered" ? "Answered." : "Acknowledged.";
    var toasts = alertsOf(event.notification_id);
    for (var i = 0; i < toasts.length; i += 1) {
      var button = toasts[i].querySelector("[data-acknowledge]");
      if (button) { button.parentNode.removeChild(button); }
      statusSay(toasts[i], words);
    }
    delete waitingForAck[event.notification_id];
  }

  function showError(detail) {
    var text = typeof detail === "string" ? detail : "Something went wrong.";
    var toast = lastAcknowledged !== null ? waitingForAck[lastAcknowledged] : null;
    if (toast) {
      delete waitingForAck[lastAcknowledged];
      var button = toast.querySelector("[data-acknowledge]");
      if (button) { button.disabled = false; }
      statusSay(toast, text);
    } else if (statusLine) {
      statusLine.textContent = text;
    }
    lastAcknowledged = null;
  }

  // Other scripts of the page (the home page's work list) hear of each new or changed message.
  function announce(event) {
    if (typeof window.CustomEvent !== "function") { return; }
    document.dispatchEvent(new window.CustomEvent("alerts:event", { detail: { type: event.type } }));
  }

  function skipped(event) {
    if (typeof event.up_to !== "number" || event.up_to <= lastEventId) { return; }
    lastEventId = event.up_to;
    store(event.up_to);
    if (typeof event.unread === "number") { unreadSet(event.unread); }
    if (statusLine) {
      statusLine.textContent = "Some alerts sent while this page was away are no longer shown " +
        "here: your inbox has every one.";
    }
    announce(event);
  }

  function receive(event) {
    if (!event || typeof event !== "object") { return; }
    if (event.type === "skipped") { skipped(event); return; }
    // Each event names the one before it. If that one has not been seen, a push went missing or
    // is overtaking another: hold this one back and ask for everything since the last seen, which
    // comes in order from the database.
    if (typeof event.previous === "number" && event.previous > lastEventId && !seen[event.previous]) {
      resume();
      return;
    }
    if (typeof event.id === "number" && !firstSighting(event.id)) { return; }
    if (typeof event.unread === "number") { unreadSet(event.unread); }
    if (event.type === "notification") {
      showNotification(event);
      announce(event);
    } else if (event.type === "notification.updated") {
      showUpdated(event);
      announce(event);
    } else if (event.type === "error") {
      showError(event.detail);
    }
  }

  // --- The connection ----------------------------------------------------------------------------
  var delay = FIRST_DELAY_MS;
  var heartbeat = null;
  var offlineNotice = null;

  function resume() {
    if (socket && socket.readyState === window.WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "resume", last_event_id: lastEventId }));
    }
  }

  function connect() {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    var current = new window.WebSocket(scheme + "//" + window.location.host + socketPath);
    socket = current;
    current.onopen = function () {
      delay = FIRST_DELAY_MS;
      window.clearTimeout(offlineNotice);
      offlineNotice = null;
      if (statusLine) { statusLine.textContent = ""; }
      resume();
      heartbeat = window.setInterval(resume, HEARTBEAT_MS);
    };
    current.onmessage = function (message) {
      var data;
      try { data = JSON.parse(message.data); } catch (e) { return; }
      receive(data);
    };
    current.onclose = function (event) {
      // 4401: signed out, deactivated or password changed. The page reloads into sign-in.
      if (event.code === 4401) { window.location.reload(); return; }
      window.clearInterval(heartbeat);
      heartbeat = null;
      if (socket === current) { socket = null; }
      if (offlineNotice === null) {
        offlineNotice = window.setTimeout(function () {
          if (statusLine) {
            statusLine.textContent = "Live alerts are reconnecting. Your inbox has everything " +
              "sent to you meanwhile.";
          }
        }, SHOW_OFFLINE_AFTER_MS);
      }
      // Jitter keeps many pages from reconnecting in step after a server restart.
      var wait = delay + Math.floor(Math.random() * 500);
      delay = Math.min(delay * 2, MAX_DELAY_MS);
      window.setTimeout(connect, wait);
    };
  }

  connect();
}());
