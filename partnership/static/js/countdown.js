/* Live countdowns: every <time datetime="…" data-countdown> says "due in 42 min" or
   "overdue by 1 h 5 min", refreshed every 30 seconds. The server writes the same words, so the
   page reads correctly without this script. A data-server-now attribute on an ancestor corrects
   for a computer whose clock is wrong. Same words as escalation/templatetags/escalation_tags.py. */
(function () {
  "use strict";

  var offsets = new WeakMap();

  function span(seconds) {
    var minutes = Math.floor(seconds / 60);
    if (minutes < 1) { return "less than 1 min"; }
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    var mins = minutes % 60;
    if (days) {
      var whole = days + (days === 1 ? " day" : " days");
      return hours ? whole + " " + hours + " h" : whole;
    }
    if (hours) { return mins ? hours + " h " + mins + " min" : hours + " h"; }
    return mins + " min";
  }

  function words(due, now) {
    var seconds = (due - now) / 1000;
    return seconds >= 0 ? "due in " + span(seconds) : "overdue by " + span(-seconds);
  }

  // Server time minus this computer's time, measured when the holder was first seen.
  function offsetFor(node) {
    var holder = node.closest("[data-server-now]");
    if (!holder) { return 0; }
    if (!offsets.has(holder)) {
      var server = Date.parse(holder.getAttribute("data-server-now"));
      offsets.set(holder, isNaN(server) ? 0 : server - Date.now());
    }
    return offsets.get(holder);
  }

  function update(root) {
    var nodes = (root || document).querySelectorAll("time[data-countdown]");
    Array.prototype.forEach.call(nodes, function (node) {
      var due = Date.parse(node.getAttribute("datetime"));
      if (isNaN(due)) { return; }
      var now = Date.now() + offsetFor(node);
      node.textContent = words(due, now);
      node.classList.toggle("is-overdue", due < now);
    });
  }

  window.Countdown = { update: update };
  update(document);
  window.setInterval(function () { update(document); }, 30000);
}());
