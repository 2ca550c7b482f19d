/* The live room of a risk conference (conference/templates/conference/room.html).

   The page arrives with the room as it stood; this keeps it live. A websocket to
   /ws/conferences/<id>/ sends the room's state on connecting ({"type": "state", "conference",
   "agenda", "attendance", "actions", "entries"}), each new entry this member may see as it is saved
   ({"type": "entry", ...}), and the state again after attendance changes or the conclusion. Moving
   to an item, agreeing a risk or agreeing an action arrives as an entry only, so after those (and
   after anything this page posts, and every 30 seconds) the page asks for the state with
   {"type": "resume", "last_entry_id": N}; the answer ({"type": "resumed"}) carries the state and
   the entries after N, read from the database. That is also how a page that lost its connection
   catches up: it reconnects with a growing delay and resumes (the connection is the one every
   room page shares, partnership/static/js/liveroom.js). An entry is shown once however
   often it arrives.

   Entries on the item under discussion go into a polite live region; the rest into "Earlier in
   this conference". The chair's controls and everyone's "Share information" post JSON to the API
   with the session cookie and the CSRF token; the API's refusals ("detail", or a message per
   field) are shown beside the form, in a role="alert" region. Everything is written with
   textContent, never as HTML. */
(function () {
  "use strict";

  var room = document.getElementById("room");
  if (!room || !window.WebSocket || !window.fetch || !window.JSON || !window.liveRoom) { return; }

  var ZONE = "Europe/London";
  var STATE_LABELS = { planned: "Planned", in_session: "In session", concluded: "Concluded" };
  var ACTION_STATE_LABELS = {
    open: "Open", overdue: "Overdue", escalated: "Escalated", done: "Done", cancelled: "Cancelled"
  };
  // As conference/views.py writes them.
  var NOTHING_CURRENT = {
    planned: "nothing yet (the chair opens the conference)",
    in_session: "nothing yet",
    concluded: "nothing (the conference has concluded)"
  };
  var ATTENDANCE_LABELS = { present: "Present", apologies: "Sent apologies", absent: "Absent" };
  // The API names some fields as the services do; the forms name them as the API's bodies do.
  var FIELD_ALIASES = {
    owner: "owner_id", visible_agencies: "visible_agency_ids", member_id: "member", item: "item_id"
  };

  function attr(name) { return room.getAttribute("data-" + name) || ""; }

  function whole(value) {
    var n = parseInt(value, 10);
    return isFinite(n) && n > 0 ? n : 0;
  }

  function parsed(text) {
    try { return JSON.parse(text); } catch (e) { return null; }
  }

  var urls = {
    socket: attr("socket-path"),
    entries: attr("entries-url"),
    open: attr("open-url"),
    move: attr("move-url"),
    conclude: attr("conclude-url"),
    actions: attr("actions-url"),
    attendance: attr("attendance-url"),
    risk: attr("risk-url")
  };
  var isChair = attr("is-chair") === "true";
  var agencyNames = parsed(attr("agency-names")) || {};

  var log = document.getElementById("room-log");
  var logEmpty = document.getElementById("room-log-empty");
  var earlier = document.getElementById("room-earlier");
  var earlierCount = document.getElementById("room-earlier-count");
  var currentTitle = document.getElementById("room-current-title");
  var agendaList = document.getElementById("room-agenda");
  var actionsList = document.getElementById("room-actions");
  var actionsEmpty = document.getElementById("room-actions-empty");
  var attendanceList = document.getElementById("room-attendance");
  var attendanceEmpty = document.getElementById("room-attendance-empty");
  var connection = document.getElementById("room-connection");
  var feedback = document.getElementById("room-feedback");
  var stateLabel = room.querySelector("[data-room-state-label]");

  var state = attr("state");
  var currentItemId = whole(attr("current-item-id")) || null;
  var lastEntryId = whole(attr("last-entry-id"));
  var entries = [];  // every entry this member may see, in id order
  var seen = {};
  var agenda = [];

  // --- Small helpers -----------------------------------------------------------------------------
  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text) { node.textContent = text; }
    return node;
  }

  function words(value) { return typeof value === "string" ? value : ""; }

  function token(value) {
    // For class names built from codes the server sends.
    return words(value).replace(/[^a-z0-9_-]/gi, "");
  }

  function two(n) { return (n < 10 ? "0" : "") + n; }

  function parts(iso, options) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) { return null; }
    var found = {};
    try {
      options.timeZone = ZONE;
      options.hourCycle = "h23";
      new Intl.DateTimeFormat("en-GB", options).formatToParts(date).forEach(function (part) {
        found[part.type] = part.value;
      });
    } catch (e) {
      found = {
        weekday: "", day: String(date.getDate()), month: String(date.getMonth() + 1),
        year: String(date.getFullYear()), hour: two(date.getHours()), minute: two(date.getMinutes())
      };
    }
    return found;
  }

  function clock(iso) {
    var p = parts(iso, { hour: "2-digit", minute: "2-digit" });
    return p ? p.hour + ":" + p.minute : "";
  }

  function when(iso) {
    // As the page writes it: "Tue 3 Mar 2026, 17:00" (UK time).
    var p = parts(iso, {
      weekday: "short", day: "numeric", month: "short", year: "numeric",
      hour: "2-digit", minute: "2-digit"
    });
    return p ? (p.weekday + " " + p.day + " " + p.month + " " + p.year + ", " +
                p.hour + ":" + p.minute).trim() : "";
  }

  function capitalised(text) {
    text = words(text);
    return text ? text.charAt(0).toUpperCase() + text.slice(1) : "";
  }

  function sameItem(a, b) { return (a || null) === (b || null); }

  // --- Entries -----------------------------------------------------------------------------------
  function visibilityLabel(entry) {
    if (entry.visibility === "agencies") {
      var names = (entry.agency_ids || []).map(function (id) {
        return agencyNames[String(id)] || "agency " + id;
      });
      return "Only " + names.join(", ");
    }
    if (entry.visibility === "chair") { return "Chair only"; }
    return "";
  }

  function entryNode(entry) {
    var item = element("li", "entry entry--" + token(entry.kind));
    item.id = "entry-" + entry.id;
    item.setAttribute("data-entry-id", String(entry.id));
    var meta = element("p", "entry-meta");
    meta.appendChild(element("span", "tag entry-kind", words(entry.kind_label) || words(entry.kind)));
    meta.appendChild(document.createTextNode(" " + words(entry.author) + " · "));
    var time = element("time", "", clock(entry.created_at));
    time.setAttribute("datetime", words(entry.created_at));
    meta.appendChild(time);
    var restricted = visibilityLabel(entry);
    if (restricted) {
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(element("span", "tag restricted", restricted));
    }
    item.appendChild(meta);
    item.appendChild(element("p", "entry-text", words(entry.text)));
    return item;
  }

  function remember(entry) {
    // Returns whether the entry is new to this page.
    if (!entry || typeof entry.id !== "number" || seen[entry.id]) { return false; }
    seen[entry.id] = true;
    if (!entries.length || entries[entries.length - 1].id < entry.id) {
      entries.push(entry);
    } else {
      var at = 0;
      while (at < entries.length && entries[at].id < entry.id) { at += 1; }
      entries.splice(at, 0, entry);
    }
    if (entry.id > lastEntryId) { lastEntryId = entry.id; }
    return true;
  }

  function reconcile(list, wanted) {
    // Append what is missing; rebuild only when what is shown is not the start of what is
    // wanted (the item under discussion changed), so the live region announces new entries only.
    var shown = list.querySelectorAll("[data-entry-id]");
    var keep = shown.length <= wanted.length;
    for (var i = 0; keep && i < shown.length; i += 1) {
      keep = shown[i].getAttribute("data-entry-id") === String(wanted[i].id);
    }
    var from = keep ? shown.length : 0;
    if (!keep) { list.textContent = ""; }
    for (var j = from; j < wanted.length; j += 1) { list.appendChild(entryNode(wanted[j])); }
  }

  function renderLogs() {
    var now = [];
    var before = [];
    entries.forEach(function (entry) {
      (sameItem(entry.item_id, currentItemId) ? now : before).push(entry);
    });
    if (log) { reconcile(log, now); }
    if (logEmpty) { logEmpty.hidden = now.length > 0; }
    if (earlier) { reconcile(earlier, before); }
    if (earlierCount) { earlierCount.textContent = String(before.length); }
  }

  // --- Agenda, actions, attendance ---------------------------------------------------------------
  function itemTitle(item) {
    // As conference/views.py writes it.
    if (item.kind === "action_review") {
      return "Item " + item.order + ": review of open actions from the last conference";
    }
    if (item.kind === "case_review") {
      return "Item " + item.order + ": review of " + words(item.subject);
    }
    return "Item " + item.order + ": case " + words(item["case"]) + " (referral " +
      item.referral_id + ", " + words(item.referral_level) + " risk)";
  }

  function agendaNode(item) {
    var node = element("li", "room-agenda-item");
    node.setAttribute("data-item-id", String(item.id));
    node.appendChild(element("span", "agenda-title", itemTitle(item)));
    node.appendChild(document.createTextNode(" "));
    var risk = element("span", "agenda-risk");
    risk.setAttribute("data-agreed-risk", "");
    node.appendChild(risk);
    node.appendChild(document.createTextNode(" "));
    var missing = element("span", "agenda-missing");
    missing.setAttribute("data-missing", "");
    node.appendChild(missing);
    if (isChair) {
      node.appendChild(document.createTextNode(" "));
      var move = element("button", "button secondary", "Discuss now");
      move.type = "button";
      move.setAttribute("data-move-to", String(item.id));
      move.setAttribute("data-show-when", "in_session");
      move.hidden = state !== "in_session";
      move.appendChild(element("span", "visually-hidden", ": item " + item.order));
      node.appendChild(move);
    }
    return node;
  }

  function renderAgenda() {
    if (!agendaList) { return; }
    var shown = agendaList.querySelectorAll("[data-item-id]");
    var same = shown.length === agenda.length;
    for (var i = 0; same && i < shown.length; i += 1) {
      same = shown[i].getAttribute("data-item-id") === String(agenda[i].id);
    }
    if (!same) {
      // An item was added: rebuild. Otherwise update in place, so a focused button stays put.
      agendaList.textContent = "";
      agenda.forEach(function (item) { agendaList.appendChild(agendaNode(item)); });
      itemChoicesUpdate();
    }
    agenda.forEach(function (item) {
      var node = agendaList.querySelector('[data-item-id="' + String(item.id) + '"]');
      if (!node) { return; }
      if (sameItem(item.id, currentItemId)) {
        node.setAttribute("aria-current", "true");
      } else {
        node.removeAttribute("aria-current");
      }
      node.classList.toggle("is-discussed", !!item.discussed);
      var move = node.querySelector("[data-move-to]");
      if (move) { move.hidden = state !== "in_session" || sameItem(item.id, currentItemId); }
      var risk = node.querySelector("[data-agreed-risk]");
      if (risk) { risk.textContent = item.agreed_risk ? "Risk agreed: " + capitalised(item.agreed_risk) : ""; }
      var missing = node.querySelector("[data-missing]");
      if (missing) {
        var gaps = item.missing_agencies || [];
        missing.textContent = item.kind !== "case" ? "" :
          (gaps.length ? "Missing: " + gaps.join(", ") : "All needed agencies present");
      }
    });
  }

  function itemChoicesUpdate() {
    var select = document.querySelector('[data-room-form="action"] select[name="item_id"]');
    if (!select) { return; }
    var chosen = select.value;
    while (select.options.length > 1) { select.remove(1); }
    agenda.forEach(function (item) {
      select.appendChild(new Option(itemTitle(item), String(item.id)));
    });
    select.value = chosen;
  }

  function showCurrent() {
    var title = NOTHING_CURRENT[state] || NOTHING_CURRENT.planned;
    agenda.forEach(function (item) {
      if (sameItem(item.id, currentItemId)) { title = itemTitle(item); }
    });
    if (currentTitle) { currentTitle.textContent = title; }
  }

  function renderActions(actions) {
    if (!actionsList || !actions) { return; }
    actionsList.textContent = "";
    actions.forEach(function (action) {
      var node = element("li", "room-action");
      node.setAttribute("data-action-id", String(action.id));
      node.appendChild(element("strong", "room-action-description", words(action.description)));
      node.appendChild(document.createTextNode(" "));
      node.appendChild(element("span", "muted", words(action.owner) + " (" +
        words(action.owner_agency) + "), due " + when(action.due_at)));
      node.appendChild(document.createTextNode(" "));
      node.appendChild(element("span", "tag " + token(action.state),
        ACTION_STATE_LABELS[action.state] || words(action.state)));
      actionsList.appendChild(node);
    });
    if (actionsEmpty) { actionsEmpty.hidden = actions.length > 0; }
  }

  function renderAttendance(attendance) {
    if (!attendanceList || !attendance) { return; }
    attendanceList.textContent = "";
    attendance.forEach(function (row) {
      attendanceList.appendChild(element("li", "", words(row.member) + ", " + words(row.agency) +
        ": " + (ATTENDANCE_LABELS[row.status] || words(row.status))));
    });
    if (attendanceEmpty) { attendanceEmpty.hidden = attendance.length > 0; }
  }

  function showState() {
    room.setAttribute("data-state", state);
    if (stateLabel) {
      stateLabel.textContent = STATE_LABELS[state] || state;
      stateLabel.className = "tag conference-" + token(state);
    }
    var conditional = room.querySelectorAll("[data-show-when]");
    for (var i = 0; i < conditional.length; i += 1) {
      var states = conditional[i].getAttribute("data-show-when").split(" ");
      conditional[i].hidden = states.indexOf(state) < 0;
    }
  }

  // --- What the server sends ---------------------------------------------------------------------
  function applyState(message) {
    var conference = message.conference || {};
    if (typeof conference.state === "string") { state = conference.state; }
    currentItemId = conference.current_item_id || null;
    if (Array.isArray(message.agenda)) { agenda = message.agenda; }
    (message.entries || []).forEach(remember);
    showState();
    renderAgenda();
    showCurrent();
    renderLogs();
    renderActions(message.actions);
    renderAttendance(message.attendance);
    room.setAttribute("data-live", "true");
  }

  function applyEntry(entry) {
    if (!remember(entry)) { return; }
    if (entry.kind === "item_opened") {
      currentItemId = entry.item_id || null;
      renderAgenda();
      showCurrent();
    }
    renderLogs();
    if (entry.kind === "item_opened" || entry.kind === "risk_agreed" || entry.kind === "action") {
      // The push names the entry only: the agenda and the actions come with the state.
      askForState();
    }
  }

  // --- The connection (partnership/static/js/liveroom.js) ---------------------------------------
  function say(text) { if (connection) { connection.textContent = text; } }

  var live = null;

  function askForState() { if (live) { live.askForState(); } }

  // --- Posting to the API ------------------------------------------------------------------------
  function csrfToken() {
    var cookies = document.cookie ? document.cookie.split(";") : [];
    for (var i = 0; i < cookies.length; i += 1) {
      var pair = cookies[i].trim();
      if (pair.indexOf("csrftoken=") === 0) {
        return decodeURIComponent(pair.slice("csrftoken=".length));
      }
    }
    return "";
  }

  function post(url, body) {
    return window.fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken()
      },
      body: JSON.stringify(body || {})
    }).then(function (response) {
      return response.text().then(function (text) {
        return { ok: response.ok, status: response.status, body: text ? parsed(text) : null };
      });
    });
  }

  function problemsOf(result) {
    // DRF answers {"detail": "..."} or {"field": ["...", ...]}, as partnership.api maps it.
    var found = [];
    var body = result.body;
    function add(field, value) {
      if (typeof value === "string") {
        found.push({ field: field, text: value });
      } else if (Array.isArray(value)) {
        value.forEach(function (inner) { add(field, inner); });
      } else if (value && typeof value === "object") {
        Object.keys(value).forEach(function (key) { add(field, value[key]); });
      }
    }
    if (body && typeof body === "object" && !Array.isArray(body)) {
      Object.keys(body).forEach(function (key) {
        add(key === "detail" || key === "non_field_errors" ? "" : key, body[key]);
      });
    } else {
      add("", body);
    }
    if (!found.length) {
      found.push({ field: "", text: result.status === 403 ?
        "That was refused. Your session may have ended: reload the page." :
        "The service answered " + result.status + ". Reload the page and try again." });
    }
    return found;
  }

  function fieldOf(form, name) {
    if (!form || !name) { return null; }
    name = FIELD_ALIASES[name] || name;
    // A date is typed in parts (day, month, year, time): its first box stands for it.
    return form.querySelector('[name="' + name + '"]') || form.querySelector('[name="' + name + '_day"]');
  }

  function labelOf(field) {
    var set = field.closest("fieldset");
    if (set && (field.type === "radio" || field.type === "checkbox" || field.closest(".govuk-date-input"))) {
      var legend = set.querySelector("legend");
      if (legend) { return legend.textContent.trim(); }
    }
    var label = field.id ? document.querySelector('label[for="' + field.id + '"]') : null;
    return label ? label.textContent.trim() : "";
  }

  function errorsRegion(form, fallback) {
    return (form && form.querySelector("[data-form-errors]")) ||
      room.querySelector('[data-form-errors="' + fallback + '"]');
  }

  function errorsClear(form, region) {
    if (region) { region.textContent = ""; }
    if (!form) { return; }
    var marked = form.querySelectorAll('[aria-invalid="true"]');
    for (var i = 0; i < marked.length; i += 1) { marked[i].removeAttribute("aria-invalid"); }
  }

  function errorsShow(form, region, problems) {
    if (!region) { return; }
    region.textContent = "";
    var box = element("div", "error-summary");
    box.appendChild(element("h3", "", "There is a problem"));
    var list = element("ul");
    problems.forEach(function (problem) {
      var field = fieldOf(form, problem.field);
      var label = field ? labelOf(field) : "";
      var item = element("li");
      if (field && field.id) {
        var link = element("a", "", label ? label + ": " + problem.text : problem.text);
        link.href = "#" + field.id;
        item.appendChild(link);
        field.setAttribute("aria-invalid", "true");
      } else {
        item.textContent = problem.text;
      }
      list.appendChild(item);
    });
    box.appendChild(list);
    region.appendChild(box);
  }

  function value(form, name) {
    var field = form.querySelector('[name="' + name + '"]');
    if (!field && form.querySelector('[name="' + name + '_day"]')) { return dateValue(form, name); }
    return field ? field.value.trim() : "";
  }

  function pad(text) { return text.length === 1 ? "0" + text : text; }

  // The parts of a date typed as day, month, year and time, as the API reads them
  // (2026-06-15T14:30, UK time); the API refuses what makes no date, in words.
  function dateValue(form, name) {
    var parts = ["day", "month", "year", "time"].map(function (part) {
      var box = form.querySelector('[name="' + name + "_" + part + '"]');
      return box ? box.value.trim() : "";
    });
    if (!parts.join("")) { return ""; }
    var time = parts[3].replace(".", ":");
    if (/^\d{3,4}$/.test(time)) { time = time.slice(0, -2) + ":" + time.slice(-2); }
    if (/^\d:/.test(time)) { time = "0" + time; }
    return parts[2] + "-" + pad(parts[1]) + "-" + pad(parts[0]) + (parts[3] ? "T" + time : "");
  }

  function checked(form, name) {
    var boxes = form.querySelectorAll('[name="' + name + '"]:checked');
    var values = [];
    for (var i = 0; i < boxes.length; i += 1) { values.push(boxes[i].value); }
    return values;
  }

  function required(form, pairs) {
    // What a person can see is missing, said before anything is sent.
    var problems = [];
    pairs.forEach(function (pair) {
      var field = fieldOf(form, pair[0]);
      var empty = field && (field.type === "radio" ? !checked(form, pair[0]).length
                                                   : !value(form, pair[0]));
      if (empty) { problems.push({ field: pair[0], text: pair[1] }); }
    });
    return problems;
  }

  // Each room form: what it checks, where it posts, what it sends and what it says when done.
  var FORMS = {
    share: function (form) {
      return {
        missing: required(form, [["text", "Write what is being shared."]]),
        url: urls.entries,
        body: {
          text: value(form, "text"),
          visibility: checked(form, "visibility")[0] || "panel",
          visible_agency_ids: checked(form, "visible_agency_ids").map(Number)
        },
        done: "Shared.",
        reset: true
      };
    },
    risk: function (form) {
      var missing = required(form, [["level", "Choose the risk level the panel agrees."]]);
      if (!currentItemId) { missing.push({ field: "", text: "Move the room to a case first." }); }
      return {
        missing: missing,
        url: urls.risk.replace("{item}", String(currentItemId)),
        body: { level: value(form, "level") },
        done: "Risk agreed.",
        reset: true
      };
    },
    action: function (form) {
      var item = value(form, "item_id");
      return {
        missing: required(form, [
          ["description", "Say what is to be done."],
          ["owner_id", "Choose who owns it."],
          ["due_at", "Say when it is due."]
        ]),
        url: urls.actions,
        body: {
          item_id: item ? Number(item) : null,
          description: value(form, "description"),
          owner_id: Number(value(form, "owner_id")),
          // Day, month, year and time put together; the API reads it as UK time.
          due_at: value(form, "due_at")
        },
        done: "Action added.",
        reset: true
      };
    },
    attendance: function (form) {
      return {
        missing: required(form, [
          ["member", "Choose whose attendance to record."],
          ["status", "Choose present, apologies or absent."]
        ]),
        url: urls.attendance,
        body: { member_id: Number(value(form, "member")), status: checked(form, "status")[0] },
        done: "Attendance recorded.",
        reset: true
      };
    },
    open: function () {
      return { missing: [], url: urls.open, body: {}, done: "The conference is open." };
    },
    conclude: function () {
      if (!window.confirm("Conclude the conference? The record closes and cannot be reopened.")) {
        return null;
      }
      return { missing: [], url: urls.conclude, body: {}, done: "The conference has concluded." };
    }
  };

  function send(form, region, request, button) {
    if (button) { button.disabled = true; }
    return post(request.url, request.body).then(function (result) {
      if (!result.ok) {
        errorsShow(form, region, problemsOf(result));
        return;
      }
      if (feedback) { feedback.textContent = request.done || ""; }
      if (request.reset && form) { form.reset(); agenciesFieldShow(form); }
      if (result.body && result.body.type === "entry") { applyEntry(result.body); }
      askForState();
    }).catch(function () {
      errorsShow(form, region, [{ field: "", text: "Could not reach the service. Check the " +
        "connection and try again; nothing was recorded." }]);
    }).then(function () {
      if (button) { button.disabled = false; }
    });
  }

  function agenciesFieldShow(form) {
    var part = form.querySelector("[data-agencies-field]");
    if (part) { part.hidden = checked(form, "visibility")[0] !== "agencies"; }
  }

  var forms = room.querySelectorAll("[data-room-form]");
  Array.prototype.forEach.call(forms, function (form) {
    var build = FORMS[form.getAttribute("data-room-form")];
    if (!build) { return; }
    var region = errorsRegion(form, "chair");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (feedback) { feedback.textContent = ""; }
      errorsClear(form, region);
      var request = build(form);
      if (!request) { return; }
      if (request.missing.length) {
        errorsShow(form, region, request.missing);
        return;
      }
      send(form, region, request, form.querySelector('button[type="submit"]'));
    });
    if (form.querySelector("[data-agencies-field]")) {
      agenciesFieldShow(form);
      form.addEventListener("change", function (event) {
        if (event.target && event.target.name === "visibility") { agenciesFieldShow(form); }
      });
    }
  });

  if (agendaList) {
    agendaList.addEventListener("click", function (event) {
      var button = event.target.closest ? event.target.closest("[data-move-to]") : null;
      if (!button) { return; }
      var region = errorsRegion(null, "agenda");
      errorsClear(null, region);
      send(null, region, {
        url: urls.move, body: { item_id: whole(button.getAttribute("data-move-to")) },
        done: "Moved."
      }, button);
    });
  }

  live = window.liveRoom({
    path: urls.socket,
    lastEntryId: function () { return lastEntryId; },
    onState: applyState,
    onEntry: applyEntry,
    say: say,
    onLost: function () { room.setAttribute("data-live", "false"); },
    refusedText: "You are no longer part of this conference's room. Reload the page."
  });
}());
