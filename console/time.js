// Time: clocking in and out (everyone, with the running shift and one's
// recent shifts, also as a compact control in the header), a manager's
// week of the team's shifts with corrections, payroll (the report, a chart
// of each person's hours, CSV, closing a period), packages and events by
// week, and a person's cost forecast. All user text is rendered as text
// (dom.js builds no HTML from strings).

import { api, can, listAll, user, scopeCompanyId, ApiError } from "./api.js";
import { h, mount, field, formValues, formAlert, submitting, showErrors, clearErrors, pageHeader, fmtDate, fmtTime, humanize, announce, errorBlock, table, saveBlob, emptyState } from "./dom.js";
import { stackedBarChart, fitChart } from "./charts.js";

// ---------------------------------------------------------------- helpers

const pad = (n) => String(n).padStart(2, "0");

/** A local date as `YYYY-MM-DD`. */
function localDate(d = new Date()) {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

/** `YYYY-MM-DD` plus `n` days. */
function addDays(iso, n) {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** The Monday of the week of `iso` (weeks run Monday to Sunday). */
function mondayOf(iso) {
  const ok = /^\d{4}-\d{2}-\d{2}$/.test(iso || "") && !Number.isNaN(new Date(`${iso}T00:00:00Z`).getTime());
  const day = ok ? iso : localDate();
  const wd = (new Date(`${day}T00:00:00Z`).getUTCDay() + 6) % 7;
  return addDays(day, -wd);
}

const weekdayFmt = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short", timeZone: "UTC" });
const clockFmt = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit", hourCycle: "h23" });
const shortDayFmt = new Intl.DateTimeFormat(undefined, { weekday: "short", timeZone: "UTC" });

/** "Mon 30" for `YYYY-MM-DD`: a narrow column heading. */
function shortDay(iso) {
  return `${shortDayFmt.format(new Date(`${iso}T00:00:00Z`))} ${Number(iso.slice(8, 10))}`;
}

/** "Mon 30 Nov" for `YYYY-MM-DD`. */
function dayLabel(iso) {
  return weekdayFmt.format(new Date(`${iso}T00:00:00Z`));
}

/** "09:05" in the reader's time zone. */
function clockTime(iso) {
  return iso ? clockFmt.format(new Date(iso)) : "";
}

/** An RFC 3339 instant as a `datetime-local` value (the reader's zone). */
function toLocalInput(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  return `${localDate(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A `datetime-local` value as an RFC 3339 instant (seconds, UTC). */
function fromLocalInput(value) {
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** 27000 s as "7 h 30 min". */
function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const m = Math.round(seconds / 60);
  if (m < 60) return `${m} min`;
  return m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m / 60} h`;
}

/** Seconds as decimal hours, "7.50". */
function hours(seconds) {
  return ((seconds || 0) / 3600).toFixed(2);
}

/** The time since `since` as "1:02:03". */
function elapsedText(since) {
  const total = Math.max(0, Math.floor((Date.now() - Date.parse(since)) / 1000));
  return `${Math.floor(total / 3600)}:${pad(Math.floor((total % 3600) / 60))}:${pad(total % 60)}`;
}

/** Runs `fn` every second while `node` is on the page. */
function everySecond(node, fn) {
  let seen = false;
  const timer = setInterval(() => {
    if (node.isConnected) {
      seen = true;
      fn();
    } else if (seen) clearInterval(timer);
  }, 1000);
}

/** The departments the signed-in user may look at (a manager's own). */
async function myDepartments() {
  let depts = [];
  try {
    depts = await listAll("/departments", {}, 1000);
  } catch {
    return [];
  }
  const me = user();
  if (me.role === "manager") depts = depts.filter((d) => d.manager_id === me.id);
  return depts.sort((a, b) => a.name.localeCompare(b.name));
}

/** A shift's notes: after hours, and each correction with its reason. */
function shiftNotes(s, who = () => null) {
  const notes = [];
  if (s.after_hours) notes.push(h("span", { class: "badge after-hours" }, "After hours"));
  for (const v of s.versions || []) {
    if (v.action !== "corrected") continue;
    const by = who(v.by);
    notes.push(h("span", { class: "badge corrected" }, "Corrected"), " ", h("span", { class: "muted" }, `${v.reason || ""}${by ? ` (${by})` : ""}`));
  }
  // Punches someone else recorded, with their reason (once per reason).
  const recorded = [...new Set((s.versions || []).filter((v) => v.reason && v.action !== "corrected").map((v) => v.reason))];
  for (const r of recorded) notes.push(h("span", { class: "badge" }, "Recorded for you"), " ", h("span", { class: "muted" }, r));
  return notes.length ? h("span", { class: "notes" }, notes) : "–";
}

/** The day a shift started, as the company counts days (its first piece). */
function shiftDay(s) {
  return s.pieces && s.pieces.length ? s.pieces[0].date : localDate(new Date(s.in_at));
}

/** A small navigation between weeks, as links that keep the other filters. */
function weekNav(base, params, monday, label) {
  const link = (text, week, cls) => {
    const q = new URLSearchParams({ ...params, week });
    for (const [k, v] of [...q]) if (!v) q.delete(k);
    return h("a", { class: ["button-quiet", cls], href: `#${base}?${q}` }, text);
  };
  return h(
    "nav",
    { class: "week-nav", "aria-label": label },
    link("← Previous week", addDays(monday, -7), "week-prev"),
    h("p", { class: "week-range", id: "week-range" }, h("time", { datetime: monday }, fmtDate(monday)), " – ", h("time", { datetime: addDays(monday, 6) }, fmtDate(addDays(monday, 6)))),
    link("This week", mondayOf(localDate()), "week-this"),
    link("Next week →", addDays(monday, 7), "week-next"),
  );
}

// ---------------------------------------------------------------- the running shift

/** The signed-in user's open shift: undefined until read, null when none. */
let openShift;
let openShiftUser = null;
const openShiftWatchers = new Set();

function setOpenShift(shift) {
  openShift = shift;
  openShiftUser = user() ? user().id : null;
  for (const fn of openShiftWatchers) fn(shift);
}

async function readOpenShift() {
  const page = await api("GET", "/clockins", { query: { limit: 5 } });
  const shift = page.items.find((s) => s.open) || null;
  setOpenShift(shift);
  return page.items;
}

/** Clocks the signed-in user in or out; returns the shift. */
async function clock(action) {
  const shift = await api("POST", "/clockins", { body: { action }, idempotent: true });
  setOpenShift(shift.open ? shift : null);
  return shift;
}

/**
 * The compact control in the header: the running time and "Clock out", or
 * "Clock in". `slot` is an element of the header, drawn afresh with it.
 */
export function headerClock(slot) {
  function draw(shift) {
    if (!slot.isConnected && slot.dataset.drawn) {
      openShiftWatchers.delete(draw);
      return;
    }
    slot.dataset.drawn = "1";
    const button = h("button", { type: "button", class: "button-quiet header-clock-button", id: "header-clock-button" }, shift ? "Clock out" : "Clock in");
    button.addEventListener("click", async () => {
      button.disabled = true;
      try {
        const s = await clock(shift ? "out" : "in");
        announce(s.open ? "Clocked in." : `Clocked out after ${duration(s.seconds)}.`);
      } catch (e) {
        announce(e.message, "error");
        readOpenShift().catch(() => {});
      } finally {
        button.disabled = false;
      }
    });
    const running = shift
      ? h("a", { href: "#/time", class: "header-elapsed", id: "header-elapsed", dataset: { since: shift.in_at }, title: `On the clock since ${fmtTime(shift.in_at)}` }, elapsedText(shift.in_at))
      : null;
    mount(slot, running, button);
  }
  openShiftWatchers.add(draw);
  everySecond(slot, () => {
    const el = slot.querySelector("#header-elapsed");
    if (el) el.textContent = elapsedText(el.dataset.since);
  });
  if (openShift !== undefined && openShiftUser === (user() && user().id)) draw(openShift);
  else readOpenShift().catch(() => mount(slot));
}

// ---------------------------------------------------------------- #/time

/** `#/time`: clock in or out, the running shift, my recent shifts. */
export async function timePage() {
  let shifts = (await api("GET", "/clockins", { query: { limit: 20 } })).items;
  setOpenShift(shifts.find((s) => s.open) || null);
  const clockBox = h("section", { class: "card clock-card", id: "clock", "aria-labelledby": "clock-h" });
  const listBox = h("div", { id: "my-shifts", "aria-live": "polite" });
  const alertBox = formAlert();

  let busy = false;
  // Clocked in or out with the header's control: read the shifts again.
  const onChange = async (shift) => {
    if (!clockBox.isConnected) {
      openShiftWatchers.delete(onChange);
      return;
    }
    const shown = shifts.find((s) => s.open) || null;
    if (busy || (shown && shown.id) === (shift && shift.id)) return;
    shifts = (await api("GET", "/clockins", { query: { limit: 20 } }).catch(() => ({ items: shifts }))).items;
    drawClock();
    drawList();
  };
  openShiftWatchers.add(onChange);

  function drawClock() {
    const open = shifts.find((s) => s.open) || null;
    const button = h("button", { type: "button", class: "button clock-button", id: "clock-button" }, open ? "Clock out" : "Clock in");
    button.addEventListener("click", async () => {
      button.disabled = true;
      alertBox.hidden = true;
      busy = true;
      try {
        const s = await clock(open ? "out" : "in");
        const i = shifts.findIndex((x) => x.id === s.id);
        if (i >= 0) shifts[i] = s;
        else shifts.unshift(s);
        announce(s.open ? "Clocked in." : `Clocked out after ${duration(s.seconds)}.`);
      } catch (e) {
        alertBox.replaceChildren(h("strong", {}, e.message));
        alertBox.hidden = false;
        // Clocked in or out elsewhere meanwhile: show what is true now.
        if (e instanceof ApiError && e.status === 409) {
          shifts = (await api("GET", "/clockins", { query: { limit: 20 } }).catch(() => ({ items: shifts }))).items;
          setOpenShift(shifts.find((s) => s.open) || null);
        }
      } finally {
        busy = false;
      }
      drawClock();
      drawList();
      const again = clockBox.querySelector("#clock-button");
      if (again) again.focus();
    });
    if (open) {
      mount(
        clockBox,
        h("h2", { id: "clock-h" }, "On the clock"),
        alertBox,
        h("p", { class: "elapsed", id: "elapsed", role: "timer", "aria-label": "Time on the clock", dataset: { since: open.in_at } }, elapsedText(open.in_at)),
        h("p", { id: "running-shift", dataset: { shift: open.id } }, "Since ", h("time", { datetime: open.in_at }, fmtTime(open.in_at)), open.after_hours ? [" ", h("span", { class: "badge after-hours" }, "After hours")] : null),
        h("div", { class: "form-actions" }, button),
      );
    } else {
      mount(
        clockBox,
        h("h2", { id: "clock-h" }, "Not clocked in"),
        alertBox,
        h("p", { class: "muted" }, "Clock in when you start work and out when you stop; the time counts from the click."),
        h("div", { class: "form-actions" }, button),
      );
    }
  }
  everySecond(clockBox, () => {
    const el = clockBox.querySelector("#elapsed");
    if (el) el.textContent = elapsedText(el.dataset.since);
  });

  function drawList() {
    if (!shifts.length) {
      mount(listBox, emptyState({ message: "No shifts yet. Your shifts appear here when you clock in and out.", action: { label: "Clock in", onClick: () => document.getElementById("clock-button")?.click() } }));
      return;
    }
    mount(
      listBox,
      table({
        caption: null,
        columns: [
          { label: "In", render: (s) => h("time", { datetime: s.in_at }, fmtTime(s.in_at)) },
          { label: "Out", render: (s) => (s.out_at ? h("time", { datetime: s.out_at }, fmtTime(s.out_at)) : h("span", { class: "badge status-open-shift" }, "Running")) },
          { label: "Counted", render: (s) => h("span", { dataset: { seconds: s.seconds ?? "" } }, s.open ? "–" : duration(s.seconds)) },
          { label: "Notes", render: (s) => shiftNotes(s) },
        ],
        rows: shifts,
      }),
    );
  }
  drawClock();
  drawList();
  return h(
    "section",
    { class: "time" },
    pageHeader("Time", can("teamTime") ? h("a", { class: "button-quiet", href: "#/time/team", id: "team-link" }, "Team week") : null),
    h("div", { class: "stack" }, clockBox, h("section", { "aria-labelledby": "my-shifts-h" }, h("h2", { id: "my-shifts-h", class: "section-h" }, "My recent shifts"), listBox)),
  );
}

// ---------------------------------------------------------------- #/time/team

/** `#/time/team`: a department's week, people by days, with corrections. */
export async function teamPage({ query, go }) {
  const me = user();
  const depts = await myDepartments();
  const monday = mondayOf(query.get("week"));
  const sunday = addDays(monday, 6);
  const deptId = query.get("department_id") || (depts[0] ? depts[0].id : "");
  const head = pageHeader("Team week", h("a", { class: "button-quiet", href: "#/time" }, "My time"));
  if (!depts.length) {
    return h(
      "section",
      {},
      head,
      me.role === "manager"
        ? emptyState({ message: "You manage no department. The team week shows the departments you manage, once HR or an owner makes you a department's manager." })
        : emptyState({
            message: "There are no departments yet. The team week appears here once the company has departments with people in them.",
            action: can("people") ? { label: "Add a department", href: "#/departments" } : null,
          }),
    );
  }

  const filters = h(
    "form",
    { class: "filters", "aria-label": "Department" },
    field({ name: "department_id", label: "Department", type: "select", value: deptId, options: depts.map((d) => [d.id, d.name]) }),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button-quiet" }, "Show")),
  );
  filters.addEventListener("submit", (ev) => {
    ev.preventDefault();
    go(`/time/team?${new URLSearchParams({ department_id: formValues(filters).department_id, week: monday })}`);
  });

  const [people, initial] = await Promise.all([
    listAll("/employees", { department_id: deptId }, 1000).catch(() => []),
    listAll("/clockins", { department_id: deptId, from: monday, to: sunday }, 2000),
  ]);
  let shifts = initial;
  const names = new Map(people.map((p) => [p.id, p.full_name]));
  // Someone who has moved on from the department since: the shift names them.
  for (const s of shifts) if (s.full_name && !names.has(s.employee_id)) names.set(s.employee_id, s.full_name);
  const who = (id) => (id === me.id ? `${me.full_name} (me)` : names.get(id) || id);
  const days = Array.from({ length: 7 }, (_, i) => addDays(monday, i));
  const gridBox = h("div", { id: "team-week", "aria-live": "polite" });
  const correctBox = h("div", { id: "correct-box" });

  function drawGrid() {
    const ids = [...new Set([...people.filter((p) => p.active !== false).map((p) => p.id), ...shifts.map((s) => s.employee_id)])];
    const rows = ids.map((id) => ({ id, name: who(id), shifts: shifts.filter((s) => s.employee_id === id) })).sort((a, b) => a.name.localeCompare(b.name));
    if (!rows.length) {
      mount(
        gridBox,
        emptyState({
          message: "Nobody works in this department yet. People appear here when they are added to it in the directory.",
          action: can("people") ? { label: "Add a person", href: "#/directory" } : null,
        }),
      );
      return;
    }
    const dayCell = (r, day) => {
      const list = r.shifts.filter((s) => shiftDay(s) === day).sort((a, b) => (a.in_at < b.in_at ? -1 : 1));
      if (!list.length) return h("span", { class: "muted" }, "–");
      return h(
        "ul",
        { class: "shift-list" },
        list.map((s) => {
          const text = [`${clockTime(s.in_at)}–${s.out_at ? clockTime(s.out_at) : "…"}`, " ", h("span", { class: "shift-hours" }, s.open ? "running" : duration(s.seconds))];
          const corrected = (s.versions || []).some((v) => v.action === "corrected");
          const flags = [s.after_hours ? h("span", { class: "badge after-hours" }, "After hours") : null, corrected ? h("span", { class: "badge corrected" }, "Corrected") : null];
          // One's own shifts are corrected by someone else; a running one once closed.
          if (r.id === me.id || s.open) return h("li", { dataset: { shift: s.id } }, h("span", { class: "shift-text" }, text), flags);
          const b = h(
            "button",
            { type: "button", class: "shift-button", dataset: { shift: s.id } },
            // The visible text is the accessible name's end (WCAG 2.5.3).
            h("span", { class: "visually-hidden" }, `Correct the shift of ${r.name} on ${dayLabel(day)}: `),
            text,
          );
          b.addEventListener("click", () => openCorrection(s, r.name));
          return h("li", {}, b, flags);
        }),
      );
    };
    mount(
      gridBox,
      table({
        caption: `Shifts of the week, by the day they started (times in your time zone, ${Intl.DateTimeFormat().resolvedOptions().timeZone})`,
        columns: [
          { label: "Person", render: (r) => h("span", { dataset: { person: r.id } }, r.name) },
          ...days.map((day) => ({ label: shortDay(day), render: (r) => dayCell(r, day) })),
          { label: "Total", render: (r) => h("span", { class: "week-total", dataset: { person: r.id } }, duration(r.shifts.reduce((a, s) => a + (s.seconds || 0), 0))) },
        ],
        rows,
      }),
    );
  }

  function openCorrection(s, name) {
    const form = h(
      "form",
      { class: "card form grid", novalidate: true, id: "correct-shift", "aria-labelledby": "correct-h", dataset: { shift: s.id } },
      h("h2", { id: "correct-h", class: "field-wide" }, `Correct the shift of ${name}`),
      h("p", { class: "hint field-wide" }, `Clocked in ${fmtTime(s.in_at)}${s.out_at ? `, out ${fmtTime(s.out_at)}` : ", still running"}. Version ${s.version}.`),
      formAlert(),
      field({ name: "in_at", label: "In", type: "datetime-local", value: toLocalInput(s.in_at), required: true, attrs: { min: s.earliest_in ? toLocalInput(s.earliest_in) : null } }),
      field({ name: "out_at", label: "Out", type: "datetime-local", value: toLocalInput(s.out_at), required: true, attrs: { max: s.latest_out ? toLocalInput(s.latest_out) : null } }),
      field({ name: "reason", label: "Reason", type: "textarea", wide: true, required: true, hint: "Say why: the person sees it next to the shift." }),
      h(
        "div",
        { class: "form-actions" },
        h("button", { type: "submit", class: "button" }, "Save correction"),
        h("button", { type: "button", class: "button-quiet danger", id: "void-shift" }, "Void shift"),
        h("button", { type: "button", class: "button-quiet", id: "cancel-correction" }, "Cancel"),
      ),
    );
    form.querySelector("#cancel-correction").addEventListener("click", () => mount(correctBox));
    // A shift recorded in error leaves the lists and the totals (its
    // versions are kept); the reason is the same field's.
    const voidButton = form.querySelector("#void-shift");
    voidButton.addEventListener("click", async () => {
      const reason = formValues(form).reason;
      if (reason && !confirm(`Void this shift of ${name}? It no longer counts.`)) return;
      voidButton.disabled = true;
      clearErrors(form);
      try {
        await api("DELETE", `/clockins/${encodeURIComponent(s.id)}`, { query: { reason } });
        shifts = shifts.filter((x) => x.id !== s.id);
        drawGrid();
        mount(correctBox);
        announce(`The shift of ${name} is void.`);
      } catch (e) {
        showErrors(form, e);
      } finally {
        voidButton.disabled = false;
      }
    });
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const v = formValues(form);
      const body = { version: s.version, reason: v.reason };
      if (v.in_at && v.in_at !== toLocalInput(s.in_at)) body.in_at = fromLocalInput(v.in_at);
      if (v.out_at && v.out_at !== toLocalInput(s.out_at)) body.out_at = fromLocalInput(v.out_at);
      submitting(form, async () => {
        const fresh = await api("PATCH", `/clockins/${encodeURIComponent(s.id)}`, { body });
        shifts = shifts.map((x) => (x.id === fresh.id ? fresh : x));
        drawGrid();
        mount(correctBox);
        announce(`The shift of ${name} is corrected.`);
      });
    });
    mount(correctBox, form);
    form.scrollIntoView({ block: "nearest" });
    form.querySelector("input").focus();
  }

  // Clocking someone in or out who could not (with a time and a reason).
  const others = people.filter((p) => p.active !== false && p.id !== me.id).sort((a, b) => a.full_name.localeCompare(b.full_name));
  const onBehalf = others.length
    ? h(
        "form",
        { class: "card form grid", novalidate: true, id: "clock-for", "aria-labelledby": "clock-for-h" },
        h("h2", { id: "clock-for-h", class: "field-wide" }, "Clock someone in or out"),
        formAlert(),
        field({ name: "employee_id", label: "Person", type: "select", options: others.map((p) => [p.id, p.full_name]) }),
        field({ name: "action", label: "Action", type: "select", options: [["in", "Clock in"], ["out", "Clock out"]] }),
        field({ name: "at", label: "At", type: "datetime-local", required: true, value: toLocalInput(new Date().toISOString()) }),
        field({ name: "reason", label: "Reason", required: true, hint: "Why they could not themselves." }),
        h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Save")),
      )
    : null;
  if (onBehalf) {
    onBehalf.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const v = formValues(onBehalf);
      const body = { action: v.action, employee_id: v.employee_id, reason: v.reason };
      if (v.at) body.at = fromLocalInput(v.at);
      submitting(onBehalf, async () => {
        const s = await api("POST", "/clockins", { body, idempotent: true });
        announce(`${names.get(v.employee_id) || "They"} ${v.action === "in" ? "clocked in" : "clocked out"}.`);
        shifts = shifts.filter((x) => x.id !== s.id);
        const day = shiftDay(s);
        if (day >= monday && day <= sunday) shifts.push(s);
        drawGrid();
        onBehalf.reset();
      });
    });
  }

  drawGrid();
  return h(
    "section",
    { class: "team-time" },
    head,
    filters,
    weekNav("/time/team", { department_id: deptId }, monday, "Weeks"),
    h("div", { class: "stack" }, gridBox, correctBox, onBehalf),
  );
}

// ---------------------------------------------------------------- #/payroll

const SERIES = [
  { key: "regular", label: "Regular" },
  { key: "overtime", label: "Overtime" },
  { key: "double", label: "Double time" },
];

function legend() {
  return h("ul", { class: "legend", "aria-hidden": "true" }, SERIES.map((x) => h("li", {}, h("span", { class: `swatch part-${x.key}` }), x.label)));
}

/** The report's lines (one per person and week) summed per person. */
function perPerson(items) {
  const out = new Map();
  for (const r of items) {
    const p = out.get(r.employee_id) || { employee_id: r.employee_id, full_name: r.full_name, regular_seconds: 0, overtime_seconds: 0, double_time_seconds: 0 };
    p.regular_seconds += r.regular_seconds || 0;
    p.overtime_seconds += r.overtime_seconds || 0;
    p.double_time_seconds += r.double_time_seconds || 0;
    out.set(r.employee_id, p);
  }
  return [...out.values()].sort((a, b) => a.full_name.localeCompare(b.full_name));
}

/** `#/payroll`: the report for a range, its chart and CSV; closing a period. */
export async function payrollPage({ query, go }) {
  const now = localDate();
  const from = query.get("from") || `${now.slice(0, 8)}01`;
  const to = query.get("to") || now;
  const admin = can("people");
  const depts = await myDepartments();
  const deptId = query.get("department_id") || (admin ? "" : depts[0] ? depts[0].id : "");
  const params = { from, to, department_id: deptId };

  const filters = h(
    "form",
    { class: "filters", novalidate: true, "aria-label": "Period", id: "payroll-filters" },
    formAlert(),
    field({ name: "from", label: "From", type: "date", value: from, required: true }),
    field({ name: "to", label: "To", type: "date", value: to, required: true, hint: "At most 93 days." }),
    field({ name: "department_id", label: "Department", type: "select", value: deptId, options: admin ? [["", "All"], ...depts.map((d) => [d.id, d.name])] : depts.map((d) => [d.id, d.name]) }),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button-quiet" }, "Show report")),
  );
  filters.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = formValues(filters);
    const q = new URLSearchParams();
    for (const [k, x] of Object.entries(v)) if (x) q.set(k, x);
    go(`/payroll?${q}`);
  });

  const closeBox = can("closePayroll") ? h("section", { class: "card", id: "close-period", "aria-labelledby": "close-h" }) : null;
  const reportBox = h("div", { class: "stack", id: "payroll-report", "aria-live": "polite" });
  const section = h("section", { class: "payroll" }, pageHeader("Payroll"), filters, reportBox, closeBox);

  // The period closed so far, and closing up to a date.
  async function drawClose(state) {
    if (!closeBox) return;
    const form = h(
      "form",
      { class: "form compact", novalidate: true, id: "close-form" },
      formAlert(),
      field({ name: "to", label: "Close up to", type: "date", required: true, value: to }),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Close period")),
    );
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const v = formValues(form);
      if (!confirm(`Close payroll up to ${fmtDate(v.to)}? Shifts up to then can no longer be changed.`)) return;
      submitting(form, async () => {
        const closed = await api("POST", "/payroll-periods", { body: { to: v.to }, idempotent: true });
        announce(`Payroll is closed up to ${fmtDate(closed.closed_to)}.`);
        drawClose(closed);
      });
    });
    mount(
      closeBox,
      h("h2", { id: "close-h" }, "Close a period"),
      h(
        "p",
        { id: "closed-to", dataset: { closedTo: state && state.closed_to ? state.closed_to : "" } },
        state && state.closed_to
          ? ["Closed up to ", h("time", { datetime: state.closed_to }, fmtDate(state.closed_to)), state.closed_at ? h("span", { class: "muted" }, ` (on ${fmtTime(state.closed_at)})`) : null, "."]
          : "No period is closed yet.",
      ),
      h("p", { class: "hint" }, "Shifts up to the closed date cannot be clocked or corrected any more."),
      form,
    );
  }
  if (closeBox) {
    api("GET", "/payroll-periods")
      .then(drawClose)
      .catch((e) => mount(closeBox, h("h2", { id: "close-h" }, "Close a period"), errorBlock(e)));
  }

  let report;
  let company = null;
  try {
    [report, company] = await Promise.all([
      api("GET", "/reports/payroll", { query: { ...params, limit: 100 } }),
      api("GET", `/companies/${encodeURIComponent(scopeCompanyId() || user().company_id)}`).catch(() => null),
    ]);
  } catch (e) {
    if (e instanceof ApiError && e.status < 500) {
      showErrors(filters, e);
      mount(reportBox);
      return section;
    }
    throw e;
  }
  let items = report.items;
  let cursor = report.next_cursor;
  const more = h("button", { type: "button", class: "button-quiet", hidden: !cursor }, "Load more");
  const tableBox = h("div", { id: "payroll-table" });
  const chartBox = h("figure", { class: "card chart-box", id: "payroll-chart" });

  function draw() {
    if (!items.length) {
      mount(
        tableBox,
        emptyState({
          message: "Nobody worked in this period. Hours appear here when people clock in and out, or when a manager records their time on the team week.",
          action: can("teamTime") ? { label: "Open the team week", href: "#/time/team" } : null,
        }),
      );
      mount(chartBox);
      chartBox.hidden = true;
      return;
    }
    chartBox.hidden = false;
    mount(
      tableBox,
      table({
        caption: `Hours and pay from ${fmtDate(from)} to ${fmtDate(to)}, per person and week`,
        columns: [
          { label: "Person", render: (r) => h("span", { dataset: { person: r.employee_id } }, r.full_name) },
          { label: "Week", render: (r) => h("span", { class: "nowrap" }, r.week || "–") },
          { label: "Regular hours", render: (r) => h("span", { class: "num", dataset: { hours: "regular" } }, hours(r.regular_seconds)) },
          { label: "Overtime hours", render: (r) => h("span", { class: "num", dataset: { hours: "overtime" } }, hours(r.overtime_seconds)) },
          { label: "Double time hours", render: (r) => h("span", { class: "num", dataset: { hours: "double" } }, hours(r.double_time_seconds)) },
          { label: "Rate", render: (r) => h("span", { class: "num" }, r.hourly_rate || "–") },
          { label: "Regular pay", render: (r) => h("span", { class: "num" }, r.regular_pay) },
          { label: "Overtime pay", render: (r) => h("span", { class: "num" }, r.overtime_pay) },
          { label: "Double time pay", render: (r) => h("span", { class: "num" }, r.double_time_pay) },
          { label: "Gross pay", render: (r) => h("strong", { class: "num", dataset: { gross: r.employee_id } }, r.gross_pay) },
        ],
        rows: items,
      }),
    );
    mount(
      chartBox,
      stackedBarChart({
        chart: "payroll-hours",
        title: "Hours per person over the range: regular, overtime and double time",
        unit: "h",
        series: SERIES,
        rows: perPerson(items).map((r) => ({
          id: r.employee_id,
          label: r.full_name,
          parts: [
            { key: "regular", value: r.regular_seconds / 3600 },
            { key: "overtime", value: r.overtime_seconds / 3600 },
            { key: "double", value: r.double_time_seconds / 3600 },
          ],
        })),
      }),
      h("figcaption", {}, legend()),
    );
  }
  more.addEventListener("click", async () => {
    more.disabled = true;
    try {
      const page = await api("GET", "/reports/payroll", { query: { ...params, limit: 100, cursor } });
      items = items.concat(page.items);
      cursor = page.next_cursor;
      draw();
    } catch (e) {
      announce(e.message, "error");
    } finally {
      more.disabled = false;
      more.hidden = !cursor;
    }
  });

  // CSV: every page of the report, as one file.
  const csvStatus = h("span", { class: "muted", id: "csv-status", role: "status" });
  const csvButton = h("button", { type: "button", class: "button", id: "payroll-csv" }, "Download CSV");
  csvButton.addEventListener("click", async () => {
    csvButton.disabled = true;
    csvStatus.textContent = "Preparing…";
    try {
      const parts = [];
      let next = null;
      let pages = 0;
      do {
        const res = await api("GET", "/reports/payroll", { query: { ...params, limit: 100, cursor: next }, accept: "text/csv", raw: true });
        const text = await res.text();
        parts.push(pages === 0 ? text : text.slice(text.indexOf("\n") + 1));
        next = res.headers.get("x-next-cursor");
        pages += 1;
      } while (next && pages < 100);
      const csv = parts.join("");
      saveBlob(new Blob([csv], { type: "text/csv;charset=utf-8" }), `tenure-payroll-${from}-to-${to}.csv`);
      const rows = Math.max(0, csv.split("\n").filter(Boolean).length - 1);
      csvStatus.textContent = `Downloaded ${rows} ${rows === 1 ? "row" : "rows"}.`;
    } catch (e) {
      csvStatus.textContent = e.message;
    } finally {
      csvButton.disabled = false;
    }
  });

  // The rules the report applies: the company's (the report may name them too).
  const rule = report.overtime_rule || (company && company.overtime_rule) || null;
  const rounding = report.rounding_minutes ?? (company ? company.rounding_minutes : null);
  const rules = h(
    "dl",
    { class: "details card", id: "payroll-summary" },
    h("dt", {}, "Period"),
    h("dd", {}, `${fmtDate(from)} – ${fmtDate(to)}`),
    rule ? [h("dt", {}, "Overtime rule"), h("dd", { dataset: { rule } }, rule === "daily_and_weekly" ? "Daily and weekly: over 8 h a day or 40 h a week at 1.5×, over 12 h a day at 2×" : "Weekly: over 40 h a week at 1.5×")] : null,
    rounding !== null && rounding !== undefined ? [h("dt", {}, "Rounding"), h("dd", {}, rounding ? `Each shift to the nearest ${rounding} minutes` : "None")] : null,
    h("dt", {}, "Weeks"),
    h("dd", {}, "Monday to Sunday; overtime counts over the whole week, the days in the range are paid."),
  );
  draw();
  mount(reportBox, rules, h("div", { class: "form-actions" }, csvButton, csvStatus), tableBox, more, chartBox);
  return section;
}

// ---------------------------------------------------------------- #/events

/** `#/events`: packages, and the events of a week with a create form. */
export async function eventsPage({ query, go }) {
  const me = user();
  const monday = mondayOf(query.get("week"));
  const sunday = addDays(monday, 6);
  const [packages, depts] = await Promise.all([listAll("/packages", {}, 500).catch(() => []), listAll("/departments", {}, 1000).catch(() => [])]);
  // Whom the user may book: anyone for owners and admins, a manager the
  // people of their departments.
  const bookable = me.role === "manager" ? depts.filter((d) => d.manager_id === me.id) : depts;
  // Whose events the list shows: owners, HR and admins any department's
  // (or all), a manager their departments' or their own, everyone else
  // their own. "me" stands for one's own.
  const timeAdmin = can("closePayroll");
  const readable = timeAdmin ? depts : me.role === "manager" ? bookable : [];
  const scopes = timeAdmin ? [["", "All departments"], ...readable.map((d) => [d.id, d.name]), ["me", "My own events"]] : readable.length ? [...readable.map((d) => [d.id, d.name]), ["me", "My own events"]] : [];
  const asked = query.get("department_id") || "";
  const deptId = scopes.some(([v]) => v === asked) ? asked : scopes.length ? scopes[0][0] : "me";
  let people = [];
  if (can("writeEvents")) {
    if (can("people")) people = await listAll("/employees", { active: "true" }, 1000).catch(() => []);
    else for (const d of bookable) people.push(...(await listAll("/employees", { department_id: d.id }, 1000).catch(() => [])));
    people = people.filter((p) => p.active !== false);
  } else if (can("directory")) {
    people = await listAll("/employees", {}, 1000).catch(() => []);
  }
  const names = new Map(people.map((p) => [p.id, p.full_name]));
  names.set(me.id, me.full_name);
  const deptName = new Map(depts.map((d) => [d.id, d.name]));
  let pkgs = packages.filter((p) => !p.deleted_at).sort((a, b) => a.name.localeCompare(b.name));
  const pkgName = () => new Map(pkgs.map((p) => [p.id, p.name]));

  // Packages.
  const pkgBox = h("div", { id: "package-list", "aria-live": "polite" });
  function drawPackages() {
    if (!pkgs.length) {
      mount(
        pkgBox,
        emptyState({
          message: "No packages yet. Packages (a kind of event with its length and price) appear here when an owner, an admin or a manager adds one.",
          action: can("writePackages") ? { label: "Add a package", form: "new-package" } : null,
        }),
      );
      return;
    }
    mount(
      pkgBox,
      table({
        columns: [
          { label: "Name", render: (p) => p.name },
          { label: "Price", render: (p) => h("span", { class: "num" }, p.price) },
          { label: "Length", render: (p) => duration(p.duration_minutes * 60) },
          ...(can("writePackages")
            ? [
                {
                  label: "Actions",
                  render: (p) => {
                    const change = h("button", { type: "button", class: "button-quiet", dataset: { package: p.id } }, "Change", h("span", { class: "visually-hidden" }, ` ${p.name}`));
                    change.addEventListener("click", () => editPackage(p));
                    const b = h("button", { type: "button", class: "button-quiet danger" }, "Delete", h("span", { class: "visually-hidden" }, ` ${p.name}`));
                    b.addEventListener("click", async () => {
                      if (!confirm(`Delete the package ${p.name}? Events booked with it keep it.`)) return;
                      b.disabled = true;
                      try {
                        await api("DELETE", `/packages/${encodeURIComponent(p.id)}`);
                        pkgs = pkgs.filter((x) => x.id !== p.id);
                        announce(`${p.name} is deleted.`);
                        mount(pkgEditBox);
                        drawPackages();
                        drawEventForm();
                      } catch (e) {
                        b.disabled = false;
                        announce(e.message, "error");
                      }
                    });
                    return h("span", { class: "row-actions" }, change, b);
                  },
                },
              ]
            : []),
        ],
        rows: pkgs,
      }),
    );
  }
  // Changing a package: its name, price or length (booked events keep theirs).
  const pkgEditBox = h("div", { id: "edit-package-box" });
  function editPackage(p) {
    const form = h(
      "form",
      { class: "form compact", novalidate: true, id: "edit-package", "aria-labelledby": "edit-package-h", dataset: { package: p.id } },
      h("h3", { id: "edit-package-h" }, `Change ${p.name}`),
      formAlert(),
      field({ name: "name", label: "Name", required: true, value: p.name, autocomplete: "off" }),
      field({ name: "price", label: "Price", required: true, value: p.price, attrs: { inputmode: "decimal" } }),
      field({ name: "duration_minutes", label: "Length in minutes", type: "number", required: true, value: String(p.duration_minutes), attrs: { min: 1, step: 1 } }),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Save package"), h("button", { type: "button", class: "button-quiet", id: "cancel-package" }, "Cancel")),
    );
    form.querySelector("#cancel-package").addEventListener("click", () => mount(pkgEditBox));
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const v = formValues(form);
      const body = { version: p.version };
      if (v.name !== p.name) body.name = v.name;
      if (v.price !== p.price) body.price = v.price;
      if (v.duration_minutes !== String(p.duration_minutes)) body.duration_minutes = v.duration_minutes === "" ? null : Number(v.duration_minutes);
      submitting(form, async () => {
        const fresh = await api("PATCH", `/packages/${encodeURIComponent(p.id)}`, { body });
        pkgs = pkgs.map((x) => (x.id === fresh.id ? fresh : x)).sort((a, b) => a.name.localeCompare(b.name));
        mount(pkgEditBox);
        announce(`Package ${fresh.name} saved.`);
        drawPackages();
        drawEventForm();
      });
    });
    mount(pkgEditBox, form);
    form.querySelector("input").focus();
  }

  let pkgForm = null;
  if (can("writePackages")) {
    pkgForm = h(
      "form",
      { class: "form compact", novalidate: true, id: "new-package", "aria-labelledby": "new-package-h" },
      h("h3", { id: "new-package-h" }, "Add a package"),
      formAlert(),
      field({ name: "name", label: "Name", required: true, autocomplete: "off" }),
      field({ name: "price", label: "Price", required: true, hint: "An amount such as 120.00.", attrs: { inputmode: "decimal" } }),
      field({ name: "duration_minutes", label: "Length in minutes", type: "number", required: true, attrs: { min: 1, step: 1 } }),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Add package")),
    );
    let key = crypto.randomUUID();
    pkgForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const v = formValues(pkgForm);
      const body = { name: v.name, price: v.price, duration_minutes: v.duration_minutes === "" ? null : Number(v.duration_minutes) };
      submitting(pkgForm, async () => {
        const p = await api("POST", "/packages", { body, idempotent: key });
        key = crypto.randomUUID();
        pkgs = pkgs.concat([p]).sort((a, b) => a.name.localeCompare(b.name));
        pkgForm.reset();
        announce(`Package ${p.name} added.`);
        drawPackages();
        drawEventForm();
      });
    });
  }
  drawPackages();

  // The week's events.
  const filters = scopes.length
    ? h(
        "form",
        { class: "filters", "aria-label": "Whose events" },
        field({ name: "department_id", label: "Department", type: "select", value: deptId, options: scopes }),
        h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button-quiet" }, "Show")),
      )
    : null;
  if (filters) {
    filters.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const q = new URLSearchParams({ week: monday });
      const d = formValues(filters).department_id;
      if (d) q.set("department_id", d);
      go(`/events?${q}`);
    });
  }
  // Every event that starts in the week (the API takes `to` as the last day).
  const range = { from: monday, to: sunday };
  let events = [];
  if (deptId === "me") events = await listAll("/events", range, 1000);
  else if (deptId) events = await listAll("/events", { ...range, department_id: deptId }, 1000);
  else for (const d of readable) events.push(...(await listAll("/events", { ...range, department_id: d.id }, 1000)));
  const listBox = h("div", { id: "event-list", "aria-live": "polite" });
  function drawEvents() {
    const inWeek = events.filter((e) => {
      const d = localDate(new Date(e.start));
      return d >= monday && d <= sunday;
    });
    if (!inWeek.length) {
      const book = !can("writeEvents")
        ? null
        : pkgs.length
          ? { label: "Book an event", form: "new-event" }
          : can("writePackages")
            ? { label: "Add a package", form: "new-package" }
            : null;
      mount(
        listBox,
        emptyState({
          message: `No events this week. Events appear here when a manager books one for a department${can("writeEvents") && !pkgs.length ? "; add a package first, then book it" : ""}.`,
          action: book,
        }),
      );
      return;
    }
    const names2 = pkgName();
    mount(
      listBox,
      table({
        caption: "Events of the week, by start",
        columns: [
          { label: "When", render: (e) => h("span", { dataset: { event: e.id } }, h("time", { datetime: e.start }, `${dayLabel(localDate(new Date(e.start)))}, ${clockTime(e.start)}`), `–${clockTime(e.end)}`) },
          { label: "Event", render: (e) => h("span", { class: "event-name" }, e.name) },
          { label: "Person", render: (e) => names.get(e.employee_id) || e.employee_id },
          { label: "Package", render: (e) => names2.get(e.package_id) || "–" },
          { label: "Department", render: (e) => deptName.get(e.department_id) || "–" },
          { label: "Price", render: (e) => h("span", { class: "num" }, e.price || "–") },
          ...(can("writeEvents")
            ? [
                {
                  label: "Actions",
                  render: (e) => {
                    const change = h("button", { type: "button", class: "button-quiet", dataset: { event: e.id } }, "Change", h("span", { class: "visually-hidden" }, ` ${e.name}`));
                    change.addEventListener("click", () => drawEventForm(e));
                    const b = h("button", { type: "button", class: "button-quiet danger" }, "Cancel", h("span", { class: "visually-hidden" }, ` ${e.name}`));
                    b.addEventListener("click", async () => {
                      if (!confirm(`Cancel the event ${e.name}?`)) return;
                      b.disabled = true;
                      try {
                        await api("DELETE", `/events/${encodeURIComponent(e.id)}`);
                        events = events.filter((x) => x.id !== e.id);
                        announce(`${e.name} is cancelled.`);
                        drawEvents();
                      } catch (err) {
                        b.disabled = false;
                        announce(err.message, "error");
                      }
                    });
                    return h("span", { class: "row-actions" }, change, b);
                  },
                },
              ]
            : []),
        ],
        rows: inWeek.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0)),
      }),
    );
  }
  drawEvents();

  // A new event, or a change of one (`existing`): its end follows from the
  // package's length until edited.
  const eventFormBox = h("div", { id: "event-form-box" });
  function drawEventForm(existing = null) {
    if (!can("writeEvents")) return;
    const peopleOptions = [...names].map(([id, n]) => [id, id === me.id ? `${n} (me)` : n]).sort((a, b) => a[1].localeCompare(b[1]));
    const pkgOptions = pkgs.map((p) => [p.id, `${p.name} (${duration(p.duration_minutes * 60)}, ${p.price})`]);
    if (existing && !pkgs.some((p) => p.id === existing.package_id)) pkgOptions.push([existing.package_id, "A deleted package"]);
    const ex = existing || {};
    const formId = existing ? "edit-event" : "new-event";
    const form = h(
      "form",
      { class: "card form grid", novalidate: true, id: formId, "aria-labelledby": `${formId}-h`, dataset: existing ? { event: existing.id } : {} },
      h("h2", { id: `${formId}-h`, class: "field-wide" }, existing ? `Change ${existing.name}` : "New event"),
      formAlert(),
      field({ name: "name", label: "Name", required: true, autocomplete: "off", value: ex.name || "" }),
      field({ name: "package_id", label: "Package", type: "select", required: true, value: ex.package_id || "", options: [["", "Choose…"], ...pkgOptions] }),
      field({ name: "start", label: "Start", type: "datetime-local", required: true, value: existing ? toLocalInput(existing.start) : `${monday < localDate() && sunday >= localDate() ? localDate() : monday}T09:00` }),
      field({ name: "end", label: "End", type: "datetime-local", required: true, value: existing ? toLocalInput(existing.end) : "" }),
      field({ name: "employee_id", label: "Person", type: "select", required: true, value: ex.employee_id || "", options: [["", "Choose…"], ...peopleOptions] }),
      field({
        name: "department_id",
        label: "Department",
        type: "select",
        required: true,
        value: existing ? existing.department_id : bookable.some((d) => d.id === deptId) ? deptId : bookable.length === 1 ? bookable[0].id : "",
        options: [["", "Choose…"], ...bookable.map((d) => [d.id, d.name])],
      }),
      h(
        "div",
        { class: "form-actions" },
        h("button", { type: "submit", class: "button" }, existing ? "Save event" : "Create event"),
        existing ? h("button", { type: "button", class: "button-quiet", id: "cancel-edit-event" }, "Back to a new event") : null,
      ),
    );
    if (existing) form.querySelector("#cancel-edit-event").addEventListener("click", () => drawEventForm());
    const el = (n) => form.elements.namedItem(n);
    let endTouched = !!existing;
    el("end").addEventListener("input", () => {
      endTouched = true;
    });
    const fillEnd = () => {
      const p = pkgs.find((x) => x.id === el("package_id").value);
      if (!p || endTouched || !el("start").value) return;
      const start = new Date(el("start").value);
      if (!Number.isNaN(start.getTime())) el("end").value = toLocalInput(new Date(start.getTime() + p.duration_minutes * 60_000).toISOString());
    };
    el("package_id").addEventListener("change", fillEnd);
    el("start").addEventListener("change", fillEnd);
    // A person's department, when they have one.
    el("employee_id").addEventListener("change", () => {
      const p = people.find((x) => x.id === el("employee_id").value);
      if (p && p.department_id && !el("department_id").value) el("department_id").value = p.department_id;
    });
    let key = crypto.randomUUID();
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const v = formValues(form);
      const body = {};
      for (const [k, x] of Object.entries(v)) {
        if (x === "") continue;
        const value = k === "start" || k === "end" ? fromLocalInput(x) : x;
        if (existing && (k === "start" || k === "end" ? x === toLocalInput(existing[k]) : value === existing[k])) continue;
        body[k] = value;
      }
      if (existing) {
        // Moving an event (its time, person or department) takes all four.
        const moving = ["start", "end", "employee_id", "department_id"];
        if (moving.some((k) => k in body)) for (const k of moving) if (!(k in body)) body[k] = existing[k];
        body.version = existing.version;
      }
      submitting(form, async () => {
        const e = existing
          ? await api("PATCH", `/events/${encodeURIComponent(existing.id)}`, { body })
          : await api("POST", "/events", { body, idempotent: key });
        key = crypto.randomUUID();
        const week = mondayOf(localDate(new Date(e.start)));
        announce(existing ? `Event ${e.name} saved.` : `Event ${e.name} created.`);
        const shown = deptId === "" || deptId === e.department_id || (deptId === "me" && e.employee_id === me.id);
        if (week !== monday || !shown) {
          go(`/events?${new URLSearchParams({ week, department_id: e.department_id })}`);
          return;
        }
        events = events.filter((x) => x.id !== e.id).concat([e]);
        drawEvents();
        drawEventForm();
      });
    });
    mount(eventFormBox, form);
    if (existing) {
      form.scrollIntoView({ block: "nearest" });
      el("name").focus();
    }
  }
  drawEventForm();

  return h(
    "section",
    { class: "events" },
    pageHeader("Events"),
    h(
      "div",
      { class: "stack" },
      h("section", { class: "card", id: "packages", "aria-labelledby": "packages-h" }, h("h2", { id: "packages-h" }, "Packages"), pkgBox, pkgEditBox, pkgForm),
      h(
        "section",
        { class: "stack", "aria-labelledby": "week-h" },
        h("h2", { id: "week-h", class: "section-h" }, scopes.length ? "Events by week" : "My events by week"),
        filters,
        weekNav("/events", { department_id: asked && deptId === asked ? deptId : "" }, monday, "Weeks"),
        listBox,
        eventFormBox,
      ),
    ),
  );
}

// ---------------------------------------------------------------- #/people/{id}/forecast

/** `#/people/{id}/forecast`: a person's monthly cost against their events. */
export async function forecastPage({ params }) {
  const [id] = params;
  const person = await api("GET", `/employees/${encodeURIComponent(id)}`).catch(() => null);
  const name = person ? person.full_name : id;
  const crumbs = h("p", { class: "crumbs" }, h("a", { href: `#/directory/${encodeURIComponent(id)}` }, name));
  const head = pageHeader(`Cost forecast: ${name}`);
  let f;
  try {
    f = await api("GET", `/employees/${encodeURIComponent(id)}/cost-forecast`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 422) {
      // Why there is no forecast, in words: the API names the person
      // (`employee_id`) or what is missing (`hourly_rate`).
      const why = e.errors.length ? e.errors.map((fe) => `${fe.field === "employee_id" ? name : humanize(fe.field)} ${fe.message}.`) : [e.message];
      return h("section", { class: "forecast" }, crumbs, head, h("div", { class: "card", id: "forecast-none", role: "status" }, h("h2", {}, "No forecast yet"), why.map((w) => h("p", {}, w))));
    }
    throw e;
  }
  const num = (x) => Number(x);
  const r2 = Number(f.r2);
  const points = f.points.map((p) => ({ id: p.month, x: p.events, y: num(p.cost), title: `${p.month}: ${p.events} event${p.events === 1 ? "" : "s"}, cost ${p.cost}` }));
  const next = f.next;
  const chart = fitChart({
    chart: "forecast",
    title: `Monthly cost of ${name} against the month's events`,
    xLabel: "Events in the month",
    yLabel: "Cost",
    points,
    slope: num(f.slope),
    intercept: num(f.intercept),
    predicted: next ? { x: next.events, y: num(next.predicted_cost), title: `${next.month} (forecast): ${next.events} events, cost ${next.predicted_cost}` } : null,
  });
  const fit = r2 >= 0.8 ? "closely" : r2 >= 0.5 ? "roughly" : "poorly";
  const words = h(
    "div",
    { class: "card", id: "forecast-words" },
    h("h2", {}, "What the line says"),
    h(
      "p",
      {},
      `Each event adds about ${f.slope} to the month's cost, on top of ${f.intercept} for a month without events. `,
      `The line fits the ${f.points.length} months ${fit}: r² = ${r2.toFixed(2)}, it explains ${Math.round(r2 * 100)}% of how the cost varies.`,
    ),
    next
      ? h("p", { id: "forecast-next" }, `For ${next.month}, with ${next.events} event${next.events === 1 ? "" : "s"} planned, the predicted cost is `, h("strong", {}, next.predicted_cost), ".")
      : null,
    h(
      "dl",
      { class: "details" },
      h("dt", {}, "Slope (cost per event)"),
      h("dd", { id: "forecast-slope" }, f.slope),
      h("dt", {}, "Intercept"),
      h("dd", { id: "forecast-intercept" }, f.intercept),
      h("dt", {}, "r²"),
      h("dd", { id: "forecast-r2" }, r2.toFixed(3)),
    ),
  );
  return h(
    "section",
    { class: "forecast" },
    crumbs,
    head,
    h(
      "div",
      { class: "stack" },
      h(
        "div",
        { class: "columns" },
        h("div", { class: "col-main" }, h("figure", { class: "card chart-box", id: "forecast-chart" }, chart, h("figcaption", { class: "hint" }, "Dots: the months so far. Dashed: the fitted line. Ring: the forecast for the next month."))),
        h("div", { class: "col-side" }, words),
      ),
      table({
      caption: "Months",
      columns: [
        { label: "Month", render: (p) => p.month },
        { label: "Events", render: (p) => String(p.events) },
        { label: "Hours", render: (p) => h("span", { class: "num" }, p.hours ?? "–") },
        { label: "Cost", render: (p) => h("span", { class: "num" }, p.cost) },
      ],
      rows: f.points,
      }),
    ),
  );
}
