// Attaché calendar: the month and week grids (FullCalendar), drag to
// reschedule. The list view is server-rendered and needs none of this.
(function () {
  "use strict";

  // FullCalendar 6 puts its CSS into a <style data-fullcalendar> element
  // through CSSOM, as soon as its script runs. The CSP (style-src 'self')
  // blocks inline style elements, so that element would have no sheet and
  // FullCalendar would throw. The same CSS is loaded from fullcalendar.css;
  // this placeholder (not CSS, so never parsed or blocked) takes
  // FullCalendar's rules and drops them. It must exist before FullCalendar
  // loads: this script comes first in the page.
  function stylePlaceholder() {
    if (document.querySelector("style[data-fullcalendar]")) { return; }
    // An element named "style" outside the HTML namespace matches
    // FullCalendar's selector but is no style element: the browser neither
    // parses it nor reports it to the CSP.
    var holder = document.createElementNS("urn:x-attache:placeholder", "style");
    holder.setAttribute("data-fullcalendar", "");
    Object.defineProperty(holder, "sheet", { value: { cssRules: [], insertRule: function () { return 0; } } });
    document.head.appendChild(holder);
  }

  function pad(n) { return (n < 10 ? "0" : "") + n; }

  // The grid runs in UTC and shows the organisation's wall-clock times:
  // a Date's UTC fields are those times (see pages_calendar.go).
  function wallClock(d) {
    return d.getUTCFullYear() + "-" + pad(d.getUTCMonth() + 1) + "-" + pad(d.getUTCDate()) +
      "T" + pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
  }

  // nowIn is the current wall-clock time in an IANA zone, for "today".
  function nowIn(tz) {
    try {
      var parts = {};
      new Intl.DateTimeFormat("en-GB", { timeZone: tz, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" })
        .formatToParts(new Date()).forEach(function (p) { parts[p.type] = p.value; });
      return parts.year + "-" + parts.month + "-" + parts.day + "T" + parts.hour + ":" + parts.minute + ":" + parts.second;
    } catch (e) {
      return wallClock(new Date());
    }
  }

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text) { e.textContent = text; }
    return e;
  }

  function toEvent(en) {
    return {
      id: String(en.variant_id),
      title: en.campaign_title + " — " + en.excerpt,
      start: en.start,
      url: en.url,
      editable: en.editable,
      classNames: ["cal-ev", "cal-c" + en.color],
      extendedProps: en
    };
  }

  // The toolbar's arrow icons are decoration: their buttons carry the
  // names (title), so the icons leave the accessibility tree.
  function tidy(root) {
    root.querySelectorAll(".fc-icon[role=img]").forEach(function (i) {
      i.removeAttribute("role");
      i.setAttribute("aria-hidden", "true");
    });
  }

  function init(root) {
    var ds = root.dataset;
    var status = document.getElementById("cal-status");
    function say(msg, bad) {
      status.textContent = msg;
      status.classList.toggle("cal-status-error", !!bad);
    }

    var cal = new FullCalendar.Calendar(root, {
      initialView: ds.view === "week" ? "timeGridWeek" : "dayGridMonth",
      initialDate: ds.date,
      timeZone: "UTC",
      now: function () { return nowIn(ds.tz); },
      locale: ds.lang,
      firstDay: 1,
      height: "auto",
      headerToolbar: { left: "prev,next today", center: "title", right: "" },
      buttonText: { today: ds.tToday },
      moreLinkText: ds.tMore,
      noEventsText: ds.tEmpty,
      eventDisplay: "block",
      dayMaxEvents: 4,
      nowIndicator: true,
      defaultTimedEventDuration: "00:30",
      eventDurationEditable: false,
      eventTimeFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
      slotLabelFormat: { hour: "2-digit", minute: "2-digit", hour12: false },
      events: function (info, success, failure) {
        var sep = ds.events.indexOf("?") < 0 ? "?" : "&";
        var url = ds.events + sep + "start=" + encodeURIComponent(wallClock(info.start)) + "&end=" + encodeURIComponent(wallClock(info.end));
        fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (r) { return r.json().then(function (body) { return { ok: r.ok, body: body }; }); })
          .then(function (res) {
            if (!res.ok) { throw new Error(res.body.error || ds.tFailed); }
            success(res.body.entries.map(toEvent));
          })
          .catch(function (err) { say(err.message || ds.tFailed, true); failure(err); });
      },
      // Network label, time, state chip and title: built as DOM nodes, so
      // nothing the users typed is ever parsed as HTML.
      eventContent: function (arg) {
        var p = arg.event.extendedProps;
        var box = el("span", "cal-ev-body");
        box.appendChild(el("span", "cal-net cal-net-" + p.network, p.network_label));
        if (arg.timeText) { box.appendChild(el("span", "cal-ev-time", arg.timeText)); }
        box.appendChild(el("span", "vstate vstate-" + p.state, p.state_label));
        box.appendChild(el("span", "cal-ev-title", p.campaign_title + " — " + p.excerpt));
        return { domNodes: [box] };
      },
      eventDidMount: function (arg) {
        var p = arg.event.extendedProps;
        arg.el.title = "[" + p.network_label + "] " + p.campaign_title + " — " + p.excerpt + " (" + p.state_label + ", " + p.channel_account_name + ")";
      },
      eventDrop: function (info) {
        var p = info.event.extendedProps;
        var reopen = false;
        if (p.locked) {
          if (!window.confirm(ds.tConfirm)) { info.revert(); return; }
          reopen = true;
        }
        var body = new URLSearchParams();
        body.set("start", wallClock(info.event.start));
        if (reopen) { body.set("reopen", "1"); }
        fetch(ds.move + p.variant_id + "/move", {
          method: "POST", credentials: "same-origin", body: body,
          headers: { Accept: "application/json" }
        })
          .then(function (r) {
            return r.text().then(function (t) {
              var b = {};
              try { b = JSON.parse(t); } catch (e) { /* an HTML error page */ }
              return { ok: r.ok, body: b };
            });
          })
          .then(function (res) {
            if (!res.ok) { throw new Error(res.body.error || ds.tFailed); }
            say(ds.tMoved, false);
            cal.refetchEvents(); // the state may have gone back to draft
          })
          .catch(function (err) { info.revert(); say(err.message || ds.tFailed, true); });
      },
      // A day cell named by its date alone hides the posts in it from
      // its accessible name (WCAG 2.5.3): let its content name it.
      dayCellDidMount: function (arg) { arg.el.removeAttribute("aria-labelledby"); },
      // Keep the URL's date in step with the grid (filters stay as they are).
      datesSet: function (info) {
        tidy(root);
        if (!window.history.replaceState) { return; }
        var u = new URL(window.location.href);
        u.searchParams.set("date", wallClock(info.view.currentStart).slice(0, 10));
        window.history.replaceState(null, "", u.toString());
      }
    });
    cal.render();
    tidy(root);
    root.classList.add("cal-ready");
  }

  stylePlaceholder();
  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("calendar");
    if (!root || typeof FullCalendar === "undefined") { return; }
    init(root);
  });
})();
