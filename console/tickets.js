// Tickets: the technicians' queue (mine and unassigned, the unassigned
// queue, mine; every ticket for owners and admins), a requester's "My
// tickets" with the form to raise one, a ticket's page (its fields, both
// SLA clocks, the actions the viewer may take, the timeline and the
// comments) and the company's SLA targets (owners, admins).
//
// A clock's countdown runs in the browser from its `due_at`, redrawn every
// 30 seconds; the API's `at_risk` and `breached` decide amber and red, and
// a running target whose due time has passed reads as breached until the
// next read. Every state has a word next to its colour.

import { api, can, user, listAll, ApiError } from "./api.js";
import {
  h,
  mount,
  field,
  formValues,
  formAlert,
  clearErrors,
  showErrors,
  submitting,
  pageHeader,
  sortableTable,
  fmtTime,
  humanize,
  statusBadge,
  announce,
  errorBlock,
  emptyState,
} from "./dom.js";

const TICK_MS = 30_000;
const PRIORITIES = ["low", "medium", "high", "urgent"];
const PRIORITY_RANK = { low: 0, medium: 1, high: 2, urgent: 3 };
const CATEGORIES = ["hardware", "software", "access", "other"];
const STATUSES = ["open", "in_progress", "waiting", "resolved", "closed"];
/** The status flow (shared/src/domain/sla.rs, `may_become`). */
const NEXT = {
  open: ["in_progress"],
  in_progress: ["waiting", "resolved"],
  waiting: ["in_progress"],
  resolved: ["closed", "open"],
  closed: [],
};
const MOVE_LABEL = {
  in_progress: "In progress",
  waiting: "Waiting (on the requester; the clocks stop)",
  resolved: "Resolved",
  closed: "Closed",
  open: "Open again (reopen)",
};
const TARGETS = [
  ["first_response", "First response"],
  ["resolution", "Resolution"],
];
const TARGET_LABEL = Object.fromEntries(TARGETS);

const ticketPath = (id) => `/tickets/${encodeURIComponent(id)}`;

/** May the signed-in user work tickets (assign, move them along)? */
function agent() {
  return can("workTickets");
}

// ------------------------------------------------------------ SLA clocks

/** A span of milliseconds as "2 h 10 min", "3 d 4 h", "45 min". */
export function span(ms) {
  const minutes = Math.floor(Math.abs(ms) / 60_000);
  if (minutes < 1) return "less than a minute";
  const d = Math.floor(minutes / 1440);
  const hh = Math.floor((minutes % 1440) / 60);
  const mm = minutes % 60;
  if (d) return hh ? `${d} d ${hh} h` : `${d} d`;
  if (hh) return mm ? `${hh} h ${mm} min` : `${hh} h`;
  return `${mm} min`;
}

/**
 * Working time in hours and minutes ("80 h", "4 h 30 min", "45 min"):
 * business time has no days, a working day being the calendar's.
 */
export function workText(seconds) {
  const minutes = Math.max(0, Math.floor(seconds / 60));
  if (minutes < 1) return "less than a minute";
  const hh = Math.floor(minutes / 60);
  const mm = minutes % 60;
  if (!hh) return `${mm} min`;
  return mm ? `${hh} h ${mm} min` : `${hh} h`;
}

/**
 * A clock's state at `now`: running, at-risk, breached, paused, met or
 * missed (met, but late). A running target past its due time is breached
 * even before the API says so.
 */
export function clockState(c, now = Date.now()) {
  if (!c) return "none";
  if (c.met_at) return c.breached ? "missed" : "met";
  if (c.breached) return "breached";
  if (c.paused) return "paused";
  const due = c.due_at ? Date.parse(c.due_at) : NaN;
  if (!Number.isNaN(due) && due <= now) return "breached";
  return c.at_risk ? "at-risk" : "running";
}

const STATE_LABEL = {
  running: "On track",
  "at-risk": "At risk",
  breached: "Breached",
  paused: "Paused",
  met: "Met",
  missed: "Met late",
  none: "No target",
};

/** The words after the state: time left, overdue by, met when. */
function clockText(c, state, now) {
  const due = c.due_at ? Date.parse(c.due_at) : NaN;
  switch (state) {
    case "running":
    case "at-risk":
      return Number.isNaN(due) ? "" : `${span(due - now)} left`;
    case "breached":
      return Number.isNaN(due) ? "" : `overdue by ${span(now - due)}`;
    case "paused":
      return c.continuous ? `${span(Math.max(0, c.business_seconds_left) * 1000)} left` : `${workText(c.business_seconds_left)} of working time left`;
    case "met":
    case "missed":
      return `on ${fmtTime(c.met_at)}`;
    default:
      return "";
  }
}

const live = new WeakMap();

function drawClock(el) {
  const c = live.get(el);
  const now = Date.now();
  const state = clockState(c, now);
  el.className = `sla sla-${state}`;
  el.dataset.state = state;
  const text = clockText(c, state, now);
  mount(el, h("span", { class: "sla-state" }, STATE_LABEL[state]), text ? h("span", { class: "sla-left" }, text) : null);
}

/** A clock's state word and countdown; redrawn by `tick` while shown. */
export function clockBadge(c) {
  const el = h("span", { class: "sla" });
  live.set(el, c);
  if (c && c.due_at) el.title = `Due ${fmtTime(c.due_at)}`;
  drawClock(el);
  return el;
}

/**
 * Redraws the countdowns inside `root` every 30 seconds until it is off
 * the page (the router places it at once, long before the first tick; a
 * page another navigation overtook is never placed).
 */
function tick(root) {
  const timer = setInterval(() => {
    if (!root.isConnected) {
      clearInterval(timer);
      return;
    }
    for (const el of root.querySelectorAll(".sla")) if (live.has(el)) drawClock(el);
  }, TICK_MS);
}

/**
 * The target that matters next: of the running ones, the soonest due;
 * else a paused one; else the resolution (met, or none).
 */
export function nextTarget(t) {
  const clocks = TARGETS.map(([key, label]) => ({ key, label, clock: t.sla[key] }));
  const running = clocks.filter((x) => !x.clock.met_at && !x.clock.paused && x.clock.due_at);
  if (running.length) return running.reduce((a, b) => (Date.parse(a.clock.due_at) <= Date.parse(b.clock.due_at) ? a : b));
  return clocks.find((x) => !x.clock.met_at && x.clock.paused) || clocks[1];
}

/** The queue's SLA order: running targets by due time; the rest after. */
function dueKey(t) {
  const n = nextTarget(t);
  return !n.clock.met_at && !n.clock.paused && n.clock.due_at ? Date.parse(n.clock.due_at) : undefined;
}

function slaCell(t) {
  const n = nextTarget(t);
  return h("span", { class: "sla-cell", dataset: { target: n.key } }, h("span", { class: "sla-target" }, n.label), " ", clockBadge(n.clock));
}

function priorityBadge(p) {
  return h("span", { class: `badge priority-${p}` }, humanize(p));
}

// ------------------------------------------------------------ names

/**
 * Who is who: owners, HR and admins read the company's users; others know
 * only themselves (technicians see an id for anyone else).
 */
async function people() {
  const names = new Map();
  const me = user();
  names.set(me.id, `${me.full_name} (you)`);
  if (!can("people")) return { names, technicians: [] };
  try {
    const all = await listAll("/auth/admin/users", {}, 1000);
    for (const u of all) if (u.id !== me.id) names.set(u.id, u.full_name);
    return { names, technicians: all.filter((u) => u.role === "technician" && u.active) };
  } catch {
    return { names, technicians: [] };
  }
}

/**
 * A person by name when known; else by their part in `ticket` (a
 * technician does not read names), else by id.
 */
function who(names, id, ticket = null) {
  if (!id) return "–";
  if (id === "system") return "Tenure (SLA check)";
  if (names.has(id)) return names.get(id);
  if (ticket && id === ticket.requester_id) return "The requester";
  if (ticket && id === ticket.assignee_id) return "The assignee";
  return h("code", { class: "id" }, id);
}

// ------------------------------------------------------------ lists

const VIEWS = {
  worked: { label: "Mine and unassigned", query: {} },
  unassigned: { label: "Unassigned", query: { assignee: "unassigned" } },
  mine: { label: "Mine", query: { assignee: "me" } },
  all: { label: "All", query: {} },
};

function viewsFor() {
  if (can("allTickets")) return ["all", "unassigned"];
  if (agent()) return ["worked", "unassigned", "mine"];
  return [];
}

const FILTERS = ["status", "priority", "category", "sla", "offboarding"];

/** `#/tickets?view=&status=&priority=&category=&sla=&offboarding=` (or `assignee=unassigned|me` for the view) */
export async function ticketsPage({ query, go }) {
  const views = viewsFor();
  // `assignee=` (the overview's links) picks the view that lists those.
  const byAssignee = { unassigned: "unassigned", me: "mine" }[query.get("assignee")];
  const view = views.includes(query.get("view")) ? query.get("view") : views.includes(byAssignee) ? byAssignee : views[0] || null;
  const filters = Object.fromEntries(FILTERS.map((k) => [k, query.get(k) || ""]));
  const hrefFor = (v, f = filters) => {
    const qs = new URLSearchParams(Object.entries({ view: v === views[0] ? "" : v, ...f }).filter(([, x]) => x));
    return `#/tickets${qs.toString() ? `?${qs}` : ""}`;
  };
  const { names } = await people();

  const tabs = views.length
    ? h(
        "nav",
        { class: "tabs", "aria-label": "Queues" },
        h(
          "ul",
          {},
          views.map((v) => h("li", {}, h("a", { href: hrefFor(v), "aria-current": v === view ? "page" : null, dataset: { view: v } }, VIEWS[v].label))),
        ),
      )
    : null;

  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter tickets" },
    formAlert(),
    field({ name: "status", label: "Status", type: "select", value: filters.status, options: [["", "Any"], ...STATUSES.map((s) => [s, humanize(s)])] }),
    field({ name: "priority", label: "Priority", type: "select", value: filters.priority, options: [["", "Any"], ...PRIORITIES.map((p) => [p, humanize(p)])] }),
    field({ name: "category", label: "Category", type: "select", value: filters.category, options: [["", "Any"], ...CATEGORIES.map((c) => [c, humanize(c)])] }),
    field({ name: "sla", label: "SLA", type: "select", value: filters.sla, options: [["", "Any"], ["at_risk", "At risk"], ["breached", "Breached"]] }),
    field({ name: "offboarding", label: "Kind", type: "select", value: filters.offboarding, options: [["", "All tickets"], ["true", "Leavers' offboarding"]] }),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Filter"), h("a", { href: hrefFor(view, {}), class: "button-quiet" }, "Clear")),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    go(hrefFor(view, formValues(form)).slice(1));
  });

  // Not a live region: its countdowns change every 30 seconds. The count
  // line above it says what a load found.
  const results = h("div", { class: "results", id: "ticket-list" });
  const count = h("p", { class: "count", id: "ticket-count", role: "status" });
  const more = h("button", { type: "button", class: "button-quiet", hidden: true }, "Load more");
  const q = { ...(view ? VIEWS[view].query : {}), ...Object.fromEntries(Object.entries(filters).filter(([, v]) => v)) };
  let rows = [];
  let cursor = null;
  async function load() {
    more.disabled = true;
    try {
      const page = await api("GET", "/tickets", { query: { ...q, limit: 100, cursor } });
      rows = rows.concat(page.items);
      cursor = page.next_cursor;
      draw();
    } catch (e) {
      if (e instanceof ApiError && e.errors.length) showErrors(form, e);
      else mount(results, errorBlock(e));
    } finally {
      more.disabled = false;
      more.hidden = !cursor;
    }
  }
  more.addEventListener("click", load);

  function draw() {
    if (!rows.length) {
      const filtered = FILTERS.some((k) => filters[k]);
      const none = filtered
        ? "No tickets match these filters."
        : view === "unassigned"
          ? "The unassigned queue is empty. Tickets land here when someone raises one, or when a leaver's offboarding opens one, until an agent takes it."
          : agent()
            ? "No tickets yet. Tickets appear here when someone raises one, or when a leaver's offboarding opens one."
            : "You have not raised a ticket yet. Your tickets appear here when you ask for help with IT, access or equipment.";
      count.textContent = "";
      mount(results, emptyState({ message: none, clear: filtered ? hrefFor(view, {}) : null, action: { label: "Raise a ticket", href: "#/tickets/new" } }));
      return;
    }
    const columns = [
      { key: "title", label: "Title", sort: (t) => t.title.toLowerCase(), render: (t) => h("a", { href: `#${ticketPath(t.id)}` }, t.title) },
      { key: "sla", label: "SLA", sort: dueKey, render: slaCell },
      { key: "priority", label: "Priority", sort: (t) => PRIORITY_RANK[t.priority], render: (t) => priorityBadge(t.priority) },
      { key: "status", label: "Status", sort: (t) => STATUSES.indexOf(t.status), render: (t) => statusBadge(t.status) },
      { key: "category", label: "Category", sort: (t) => t.category, render: (t) => humanize(t.category) },
      agent() ? { key: "assignee", label: "Assignee", sort: (t) => (t.assignee_id ? 1 : 0), render: (t) => (t.assignee_id ? who(names, t.assignee_id) : h("span", { class: "badge" }, "Unassigned")) } : null,
      { key: "raised", label: "Raised", sort: (t) => Date.parse(t.created_at), render: (t) => h("time", { datetime: t.created_at }, fmtTime(t.created_at)) },
    ].filter(Boolean);
    const tableBox = sortableTable({
      caption: view ? `${VIEWS[view].label} tickets` : "Tickets you raised",
      rows,
      initial: agent() ? { key: "sla", dir: "ascending" } : { key: "raised", dir: "descending" },
      columns,
    });
    count.textContent = `${rows.length} ticket${rows.length === 1 ? "" : "s"}${cursor ? " so far" : ""}. ${agent() ? "Soonest due first; sort by a column header." : "Newest first; sort by a column header."}`;
    mount(results, tableBox);
  }

  await load();
  const root = h(
    "section",
    { class: "tickets" },
    pageHeader(
      agent() ? "Tickets" : "My tickets",
      can("slaPolicies") ? h("a", { href: "#/sla", class: "button-quiet", id: "sla-link" }, "SLA targets") : null,
      agent() ? h("a", { href: "#/tickets/new", class: "button", id: "new-ticket-link" }, "Raise a ticket") : null,
    ),
    tabs,
    form,
    count,
    results,
    more,
    agent() ? null : newTicketForm(go),
  );
  tick(root);
  return root;
}

/** The form to raise a ticket; opens the ticket when it is raised. */
function newTicketForm(go) {
  const form = h(
    "form",
    { class: "card form grid", novalidate: true, id: "new-ticket", "aria-labelledby": "new-ticket-h" },
    h("h2", { id: "new-ticket-h", class: "field-wide" }, "Raise a ticket"),
    formAlert(),
    field({ name: "title", label: "Title", required: true, wide: true, autocomplete: "off", hint: "What is wrong, in a few words.", attrs: { maxlength: 200 } }),
    field({ name: "description", label: "Description", type: "textarea", rows: 5, required: true, wide: true, hint: "What happened, since when, what you tried." }),
    field({ name: "priority", label: "Priority", type: "select", required: true, value: "medium", options: PRIORITIES.map((p) => [p, humanize(p)]) }),
    field({ name: "category", label: "Category", type: "select", required: true, options: [["", "Choose a category"], ...CATEGORIES.map((c) => [c, humanize(c)])] }),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Raise ticket")),
  );
  let key = crypto.randomUUID();
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    submitting(form, async () => {
      const t = await api("POST", "/tickets", { body: v, idempotent: key });
      key = crypto.randomUUID();
      announce("Your ticket is raised.");
      go(ticketPath(t.id));
    });
  });
  return form;
}

/** `#/tickets/new` (agents raise tickets too). */
export async function newTicketPage({ go }) {
  return h("section", {}, h("p", { class: "crumbs" }, h("a", { href: "#/tickets" }, "Tickets")), pageHeader("Raise a ticket"), newTicketForm(go));
}

// ------------------------------------------------------------ one ticket

function timelineText(e, names, ticket) {
  const d = e.detail || {};
  const name = (id) => who(names, id, ticket);
  switch (e.kind) {
    case "created":
      if (d.leave_date) return [`Raised the ticket for the leaver's offboarding (leave date ${d.leave_date})`];
      return [`Raised the ticket`, d.priority ? ` (${d.priority} priority, ${d.category})` : ""];
    case "assigned":
      return [`Assigned it to `, name(d.to), d.from ? [" (was ", name(d.from), ")"] : ""];
    case "status_changed":
      return [`Moved it from ${humanize(d.from)} to ${humanize(d.to)}`];
    case "sla_paused":
      return ["SLA clocks paused"];
    case "sla_resumed":
      return ["SLA clocks resumed"];
    case "sla_at_risk":
      return [`${TARGET_LABEL[d.target] || humanize(d.target)} target at risk`];
    case "sla_breached":
      return [`${TARGET_LABEL[d.target] || humanize(d.target)} target breached`];
    case "commented":
      return [d.internal === "true" ? "Added an internal note" : "Commented"];
    case "updated":
      return [`Changed the ${(d.fields || "").split(",").filter(Boolean).map(humanize).join(", ").toLowerCase() || "ticket"}`];
    default:
      return [humanize(e.kind)];
  }
}

function timelineList(events, names, ticket) {
  if (!events.length) return h("p", { class: "empty" }, "Nothing yet.");
  return h(
    "ol",
    { class: "timeline", id: "timeline" },
    events.map((e) => {
      const reason = e.detail && e.detail.reason;
      return h(
        "li",
        { dataset: { kind: e.kind }, class: e.kind.startsWith("sla_") ? `timeline-${e.kind}` : null },
        h("p", { class: "timeline-what" }, h("strong", {}, who(names, e.actor, ticket)), " ", timelineText(e, names, ticket)),
        reason ? h("p", { class: "timeline-reason" }, h("span", { class: "muted" }, "Reason: "), reason) : null,
        h("p", { class: "muted timeline-when" }, h("time", { datetime: e.at }, fmtTime(e.at))),
      );
    }),
  );
}

function commentList(comments, names, ticket) {
  if (!comments.length) return h("p", { class: "empty", id: "comments" }, "No comments yet.");
  return h(
    "ol",
    { class: "comments", id: "comments" },
    comments.map((c) =>
      h(
        "li",
        { class: ["comment", c.internal && "comment-internal"], dataset: { comment: c.id } },
        h(
          "p",
          { class: "comment-head" },
          h("strong", {}, who(names, c.author_id, ticket)),
          " ",
          h("time", { class: "muted", datetime: c.created_at }, fmtTime(c.created_at)),
          c.internal ? [" ", h("span", { class: "badge internal" }, "Internal")] : null,
        ),
        h("p", { class: "text-body" }, c.body),
      ),
    ),
  );
}

function clockBlock(key, c) {
  const rows = [
    ["Target", c.continuous ? `${span(c.target_seconds * 1000)} of calendar time (never paused)` : `${workText(c.target_seconds)} of working time`],
    ["State", clockBadge(c)],
    c.met_at ? ["Met", h("time", { datetime: c.met_at }, fmtTime(c.met_at))] : null,
    !c.met_at && c.due_at ? [c.paused ? "Due, if it ran on" : "Due", h("time", { datetime: c.due_at }, fmtTime(c.due_at))] : null,
  ].filter(Boolean);
  return h(
    "div",
    { class: "clock", dataset: { clock: key } },
    h("h3", {}, TARGET_LABEL[key]),
    h("dl", { class: "details" }, rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
  );
}

/** `#/tickets/{id}` */
export async function ticketPage({ params, go }) {
  const [id] = params;
  const path = ticketPath(id);
  const me = user();
  const isAgent = agent();
  const [first, { names, technicians }] = await Promise.all([api("GET", path), people()]);
  let t = first;
  let events = [];
  let comments = [];
  let leaverName = null;
  if (t.leaver_id && can("leavers")) {
    try {
      const l = await api("GET", `/leavers/${encodeURIComponent(t.leaver_id)}`);
      leaverName = `${l.first_name} ${l.surname}`;
    } catch {
      leaverName = null;
    }
  }

  const head = h("div", {});
  const body = h("div", { class: "columns" });
  const root = h(
    "section",
    { class: "ticket" },
    h("p", { class: "crumbs" }, h("a", { href: "#/tickets" }, isAgent ? "Tickets" : "My tickets")),
    head,
    body,
  );

  async function readAll() {
    [t, events, comments] = await Promise.all([
      api("GET", path),
      listAll(`${path}/events`, {}, 500),
      listAll(`${path}/comments`, {}, 500),
    ]);
  }

  /** Reads the ticket afresh and draws it, focus going to `focusId` if given. */
  async function reload(focusId) {
    try {
      await readAll();
    } catch (e) {
      announce(e.message, "error");
      return;
    }
    draw();
    if (focusId) document.getElementById(focusId)?.focus();
  }

  function detailsCard() {
    const rows = [
      ["Status", h("span", { id: "ticket-status", dataset: { status: t.status } }, statusBadge(t.status))],
      ["Priority", priorityBadge(t.priority)],
      ["Category", humanize(t.category)],
      ["Raised by", who(names, t.requester_id)],
      ["Assignee", t.assignee_id ? h("span", { id: "ticket-assignee" }, who(names, t.assignee_id)) : h("span", { id: "ticket-assignee", class: "badge" }, "Unassigned")],
      ["Raised", h("time", { datetime: t.created_at }, fmtTime(t.created_at))],
      ["Updated", h("time", { datetime: t.updated_at }, fmtTime(t.updated_at))],
      t.leaver_id
        ? [
            "Offboarding of",
            can("leavers")
              ? h("a", { href: `#/leavers/${encodeURIComponent(t.leaver_id)}`, id: "leaver-link" }, leaverName ? `${leaverName} (leaver's page)` : "The leaver's page")
              : "A leaver (IT revokes their access; resolving ticks it on their checklist)",
          ]
        : null,
      ["Ticket", h("code", { class: "id" }, t.id)],
    ].filter(Boolean);
    return h("section", { class: "card", "aria-labelledby": "details-h" }, h("h2", { id: "details-h" }, "Details"), h("dl", { class: "details", id: "ticket-details" }, rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])));
  }

  function slaCard() {
    return h(
      "section",
      { class: "card sla-card", id: "sla", "aria-labelledby": "sla-h" },
      h("h2", { id: "sla-h" }, "SLA"),
      TARGETS.map(([key]) => clockBlock(key, t.sla[key])),
    );
  }

  function statusForm() {
    const own = t.requester_id === me.id;
    const moves = (NEXT[t.status] || []).filter((to) => isAgent || (own && t.status === "resolved"));
    if (!moves.length) return null;
    const form = h(
      "form",
      { class: "form", novalidate: true, id: "status-form", "aria-labelledby": "status-h" },
      h("h3", { id: "status-h" }, "Status"),
      formAlert(),
      field({ name: "status", label: "Move to", type: "select", options: moves.map((m) => [m, MOVE_LABEL[m]]) }),
      field({ name: "reason", label: "Reason", type: "textarea", rows: 2, optional: true, hint: "Kept in the timeline, which the requester sees." }),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Change status")),
    );
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const v = formValues(form);
      const body = { version: t.version, status: v.status };
      if (v.reason) body.reason = v.reason;
      submitting(form, async () => {
        await api("PATCH", path, { body });
        announce(`The ticket is ${humanize(v.status).toLowerCase()}.`);
        await reload("ticket-status-line");
      });
    });
    return form;
  }

  function assignForm() {
    if (!isAgent) return null;
    const box = h("div", { class: "form", id: "assign" }, h("h3", {}, "Assignee"));
    if (me.role === "technician") {
      if (t.assignee_id === me.id) return null;
      const b = h("button", { type: "button", class: "button", id: "assign-me" }, "Assign to me");
      b.addEventListener("click", async () => {
        b.disabled = true;
        try {
          await api("POST", `${path}/assign`, { body: { technician_id: me.id } });
          announce("The ticket is assigned to you.");
          await reload("ticket-status-line");
        } catch (e) {
          b.disabled = false;
          announce(e.message, "error");
        }
      });
      box.append(h("div", { class: "form-actions" }, b));
      return box;
    }
    const choices = technicians.filter((u) => u.id !== t.assignee_id);
    if (!choices.length) {
      box.append(h("p", { class: "hint" }, technicians.length ? "The only active technician has it." : "There is no active technician to assign it to. Add one on the People page."));
      return box;
    }
    const form = h(
      "form",
      { class: "form", novalidate: true, id: "assign-form", "aria-label": "Assign the ticket" },
      h("h3", {}, "Assignee"),
      formAlert(),
      field({ name: "technician_id", label: "Technician", type: "select", options: choices.map((u) => [u.id, u.full_name]) }),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Assign")),
    );
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const v = formValues(form);
      submitting(form, async () => {
        await api("POST", `${path}/assign`, { body: { technician_id: v.technician_id } });
        announce(`The ticket is assigned to ${names.get(v.technician_id) || "the technician"}.`);
        await reload("ticket-status-line");
      });
    });
    return form;
  }

  function triageForm() {
    if (!isAgent) return null;
    const form = h(
      "form",
      { class: "form", novalidate: true, id: "triage-form", "aria-labelledby": "triage-h" },
      h("h3", { id: "triage-h" }, "Priority and category"),
      formAlert(),
      field({ name: "priority", label: "Priority", type: "select", value: t.priority, options: PRIORITIES.map((p) => [p, humanize(p)]) }),
      field({ name: "category", label: "Category", type: "select", value: t.category, options: CATEGORIES.map((c) => [c, humanize(c)]) }),
      h("p", { class: "hint" }, "The SLA targets stay those the ticket was raised with."),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button-quiet" }, "Save")),
    );
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const v = formValues(form);
      const body = { version: t.version };
      if (v.priority !== t.priority) body.priority = v.priority;
      if (v.category !== t.category) body.category = v.category;
      if (Object.keys(body).length === 1) {
        announce("Nothing changed.");
        return;
      }
      submitting(form, async () => {
        await api("PATCH", path, { body });
        announce("Saved.");
        await reload("ticket-status-line");
      });
    });
    return form;
  }

  function commentForm() {
    const form = h(
      "form",
      { class: "form", novalidate: true, id: "comment-form", "aria-labelledby": "comment-form-h" },
      h("h3", { id: "comment-form-h" }, "Add a comment"),
      formAlert(),
      field({ name: "body", label: "Comment", type: "textarea", rows: 3, required: true }),
      isAgent ? field({ name: "internal", label: "Internal note (hidden from the requester)", type: "checkbox" }) : null,
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Add comment")),
    );
    let key = crypto.randomUUID();
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const v = formValues(form);
      const body = { body: v.body };
      if (v.internal) body.internal = true;
      submitting(form, async () => {
        await api("POST", `${path}/comments`, { body, idempotent: key });
        key = crypto.randomUUID();
        announce(v.internal ? "Internal note added." : "Comment added.");
        await reload("comments-h");
      });
    });
    return form;
  }

  function draw() {
    mount(
      head,
      pageHeader(t.title, statusBadge(t.status), priorityBadge(t.priority)),
      h("p", { class: "upload-status", id: "ticket-status-line", role: "status", tabindex: "-1" }, `${humanize(t.status)}; ${t.assignee_id ? "assigned" : "not assigned yet"}.`),
    );
    const actions = [statusForm(), assignForm(), triageForm()].filter(Boolean);
    mount(
      body,
      h(
        "div",
        { class: "col-main" },
        h("section", { class: "card", "aria-labelledby": "description-h" }, h("h2", { id: "description-h" }, "Description"), h("p", { class: "text-body", id: "ticket-description" }, t.description)),
        h("section", { class: "card", "aria-labelledby": "comments-h" }, h("h2", { id: "comments-h", tabindex: "-1" }, "Comments"), commentList(comments, names, t), commentForm()),
        h("section", { class: "card", "aria-labelledby": "timeline-h" }, h("h2", { id: "timeline-h" }, "Timeline"), timelineList(events, names, t)),
      ),
      h(
        "div",
        { class: "col-side" },
        slaCard(),
        actions.length ? h("section", { class: "card stack", id: "ticket-actions", "aria-labelledby": "actions-h" }, h("h2", { id: "actions-h" }, "Actions"), actions) : null,
        detailsCard(),
      ),
    );
  }

  await readAll();
  draw();
  tick(root);
  return root;
}

// ------------------------------------------------------------ SLA policy

/** Minutes for the hint next to a target: "= 16 h", "= 4 h 30 min". */
function minutesHint(m) {
  if (!Number.isInteger(m) || m < 1) return "";
  return `= ${workText(m * 60)}`;
}

/** `#/sla`: the company's SLA targets per priority (owners, admins). */
export async function slaPage() {
  let policy = await api("GET", "/sla-policies");
  const box = h("div", { class: "stack" });

  function cell(priority, key, label) {
    const name = `policies.${priority}.${key}`;
    const id = `sla-${priority}-${key}`;
    const input = h("input", {
      type: "number",
      id,
      name,
      min: 1,
      step: 1,
      inputmode: "numeric",
      value: String(policy.policies[priority][key]),
      "aria-describedby": `${id}-hint ${id}-error`,
    });
    const hint = h("p", { class: "hint", id: `${id}-hint` }, minutesHint(policy.policies[priority][key]));
    input.addEventListener("input", () => {
      hint.textContent = minutesHint(Number(input.value));
    });
    return h(
      "div",
      { class: "field", dataset: { field: name } },
      h("label", { for: id, class: "visually-hidden" }, `${humanize(priority)}: ${label}`),
      input,
      hint,
      h("p", { class: "field-error", id: `${id}-error`, hidden: true }),
    );
  }

  /** Field errors worded for a cell: "Must be from 1 to 525600." */
  function showCellErrors(form, err) {
    showErrors(form, err);
    for (const fe of err.errors || []) {
      const slot = form.querySelector(`[data-field="${CSS.escape(fe.field)}"] .field-error`);
      if (slot) slot.textContent = `${fe.message.charAt(0).toUpperCase()}${fe.message.slice(1).replace(/_/g, " ")}.`;
    }
  }

  function draw() {
    const form = h(
      "form",
      { class: "card form", novalidate: true, id: "sla-policies", "aria-labelledby": "sla-policies-h" },
      h("h2", { id: "sla-policies-h" }, "Targets per priority"),
      h(
        "p",
        { class: "hint" },
        "Minutes of working time, on the company calendar. A ticket keeps the targets it was raised with; a change applies to tickets raised after it. A target is at risk in its last 20 % (at least its last 15 minutes).",
      ),
      formAlert(),
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "data policy-table" },
          h("caption", {}, policy.version ? `Version ${policy.version}` : "The defaults (not changed yet)"),
          h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Priority"), h("th", { scope: "col" }, "First response (minutes)"), h("th", { scope: "col" }, "Resolution (minutes)"))),
          h(
            "tbody",
            {},
            PRIORITIES.map((p) =>
              h(
                "tr",
                { dataset: { priority: p } },
                h("th", { scope: "row" }, humanize(p)),
                h("td", { dataset: { label: "First response (minutes)" } }, cell(p, "first_response_minutes", "first response, minutes")),
                h("td", { dataset: { label: "Resolution (minutes)" } }, cell(p, "resolution_minutes", "resolution, minutes")),
              ),
            ),
          ),
        ),
      ),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Save targets"), h("a", { href: "#/company", class: "button-quiet" }, "Company calendar")),
    );
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      clearErrors(form);
      const v = formValues(form);
      const policies = {};
      const local = [];
      for (const p of PRIORITIES) {
        policies[p] = {};
        for (const k of ["first_response_minutes", "resolution_minutes"]) {
          const name = `policies.${p}.${k}`;
          const raw = v[name];
          if (!/^\d+$/.test(raw)) local.push({ field: name, message: raw === "" ? "is required" : "must be a whole number of minutes" });
          policies[p][k] = Number(raw);
        }
      }
      if (local.length) {
        showCellErrors(form, { message: "Some targets are not whole numbers of minutes.", errors: local });
        return;
      }
      submitting(form, async () => {
        try {
          policy = await api("PUT", "/sla-policies", { body: { version: policy.version, policies } });
        } catch (e) {
          if (e instanceof ApiError && e.errors.length) {
            // Placed and worded by cell, and kept from `submitting`'s own display.
            showCellErrors(form, e);
            return;
          }
          throw e;
        }
        announce(`The SLA targets are saved (version ${policy.version}).`);
        draw();
        document.getElementById("sla-saved")?.focus();
      });
    });
    mount(
      box,
      h("p", { class: "upload-status", id: "sla-saved", role: "status", tabindex: "-1" }, policy.version ? `Version ${policy.version} applies to new tickets.` : "The defaults apply."),
      form,
    );
  }
  draw();
  return h("section", {}, h("p", { class: "crumbs" }, h("a", { href: "#/tickets" }, "Tickets")), pageHeader("SLA targets"), box);
}
