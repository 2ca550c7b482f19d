/* A gold group's live room (gold/templates/gold/group.html), on the shared connection
   (partnership/static/js/liveroom.js). Each decision arrives the moment it is recorded
   ({"type": "entry", ...}); the state ({"type": "state"} or "resumed") carries every decision, so
   the log is rebuilt from it (a superseded version changes its label, never its words). A decision
   is shown once however often it arrives; everything is written with textContent.
   The communications plan and the incidents as each party shares them are drawn by the page
   itself (who may approve or send, what each party shows this member): when the state's
   parts_version differs from the one the page was drawn with, the page is fetched again (its own
   door: a member no longer in the group gets a 404 and nothing) and those parts
   ([data-live-part]) are put in place of the ones shown. */
(function () {
  "use strict";

  var room = document.getElementById("gold-room");
  var log = document.getElementById("decision-log");
  if (!room || !log || !window.WebSocket || !window.JSON || !window.liveRoom) { return; }
  var empty = document.getElementById("decision-log-empty");
  var connection = document.getElementById("gold-connection");
  var lastEntryId = parseInt(room.getAttribute("data-last-entry-id"), 10) || 0;
  var partsVersion = room.getAttribute("data-parts-version") || "";
  var partsFetching = false;
  var STATES = {
    in_force: "In force",
    review_overdue: "In force, review overdue",
    review_escalated: "In force, review overdue: escalated",
    superseded: "Superseded",
    stood_down: "Stood when the group stood down"
  };
  var ZONE = "Europe/London";

  function say(text) { if (connection) { connection.textContent = text; } }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function words(value) { return typeof value === "string" ? value : ""; }

  function when(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) { return words(iso); }
    return new Intl.DateTimeFormat("en-GB", {
      timeZone: ZONE, weekday: "short", day: "numeric", month: "short", year: "numeric",
      hour: "2-digit", minute: "2-digit"
    }).format(date);
  }

  function row(list, term, value) {
    list.appendChild(element("dt", "", term));
    var dd = element("dd", "preserve-lines");
    if (typeof value === "string") { dd.textContent = value; } else { dd.appendChild(value); }
    list.appendChild(dd);
  }

  function decisionNode(d) {
    var state = words(d.state);
    var item = element("li", "card decision " + state.replace(/[^a-z_]/g, ""));
    item.id = "decision-" + d.id;
    item.setAttribute("data-decision-id", String(d.id));
    var heading = element("h3", "", "Decision " + d.number + (d.version > 1 ? ", version " + d.version : "") + " ");
    heading.appendChild(element("span", "tag " + state.replace(/[^a-z_]/g, ""), STATES[state] || state));
    item.appendChild(heading);
    if (words(d.change_reason)) {
      var why = element("p");
      why.appendChild(element("strong", "", "Why changed: "));
      why.appendChild(document.createTextNode(d.change_reason));
      item.appendChild(why);
    }
    var list = element("dl", "summary");
    row(list, "Information", words(d.information));
    row(list, "Threat and risk", words(d.threat_and_risk));
    row(list, "Powers and policies", words(d.powers_and_policies));
    var options = element("ul");
    (Array.isArray(d.options) ? d.options : []).forEach(function (o) {
      var text = words(o.option) + (o.chosen ? " (chosen)" : " (rejected: " + words(o.why) + ")");
      options.appendChild(element("li", "", text));
    });
    row(list, "Options weighed", options);
    row(list, "Decision", words(d.decision));
    row(list, "Why", words(d.rationale));
    row(list, "Who, when", words(d.decided_by) + ", " + when(d.decided_at));
    row(list, "Review by", when(d.review_at));
    item.appendChild(list);
    return item;
  }

  function place(d) {
    if (typeof d.id !== "number") { return; }
    var fresh = decisionNode(d);
    var existing = document.getElementById("decision-" + d.id);
    if (existing) {
      log.replaceChild(fresh, existing);
    } else {
      log.appendChild(fresh);
      say("Decision " + d.number + (d.version > 1 ? " version " + d.version : "") + " recorded by " + words(d.decided_by) + ".");
    }
    if (d.id > lastEntryId) { lastEntryId = d.id; }
    if (empty) { empty.hidden = true; }
  }

  // The members' list, as the state gives it (a seat added shows at once).
  function members(list) {
    var shown = document.getElementById("gold-members");
    if (!shown || !Array.isArray(list)) { return; }
    while (shown.firstChild) { shown.removeChild(shown.firstChild); }
    list.forEach(function (seat) {
      shown.appendChild(element("li", "", words(seat.member) + " (" + words(seat.agency) + ") for " + words(seat.partnership)));
    });
  }

  // Stood down while the page was open: the room turns read-only at once.
  function standing(group) {
    if (!group || group.state !== "stood_down" || room.getAttribute("data-group-state") === "stood_down") { return; }
    room.setAttribute("data-group-state", "stood_down");
    var notice = document.getElementById("gold-stood-down");
    var reason = document.getElementById("gold-stood-down-words");
    if (reason) { reason.textContent = "Stood down " + when(group.stood_down_at) + ": " + words(group.stand_down_reason); }
    if (notice) { notice.hidden = false; }
    Array.prototype.forEach.call(document.querySelectorAll("form[data-while-sitting]"), function (form) {
      form.hidden = true;
    });
    say("The group has stood down.");
  }

  // The plan or what is shared changed (pushed, or found by a resume): the page's parts again.
  function parts(version) {
    if (typeof version !== "string" || version === partsVersion || partsFetching ||
        !window.fetch || !window.DOMParser) { return; }
    partsFetching = true;
    window.fetch(window.location.pathname, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        var drawn = new window.DOMParser().parseFromString(html, "text/html");
        Array.prototype.forEach.call(document.querySelectorAll("[data-live-part]"), function (part) {
          var fresh = part.id ? drawn.getElementById(part.id) : null;
          if (fresh) { part.replaceWith(document.importNode(fresh, true)); }
        });
        var freshRoom = drawn.getElementById("gold-room");
        partsVersion = (freshRoom && freshRoom.getAttribute("data-parts-version")) || version;
        room.setAttribute("data-parts-version", partsVersion);
        say("The communications plan or what is shared with the group changed.");
      })
      .catch(function () { /* the next state or resume tries again */ })
      .then(function () { partsFetching = false; });
  }

  function onState(data) {
    room.setAttribute("data-live", "true");
    parts(data.parts_version);
    members(data.members);
    standing(data.group);
    (Array.isArray(data.entries) ? data.entries : []).forEach(place);
  }

  window.liveRoom({
    path: room.getAttribute("data-socket-path"),
    lastEntryId: function () { return lastEntryId; },
    onState: onState,
    onEntry: place,
    say: say,
    onLost: function () { room.setAttribute("data-live", "false"); },
    refusedText: "You are no longer a member of this gold group. Reload the page."
  });
}());
