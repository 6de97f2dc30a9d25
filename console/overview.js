// The overview: every role's start page. Cards of figures from
// `GET /overview` (shared/src/domain/overview.rs says which role sees which
// card), each figure a link to the console list that explains it with its
// filter set; two small charts; and, for a new company's owner or HR, the
// first steps as a checklist. Read afresh each time the page is shown and
// after the header's clock in or out.

import { api, can, user, onWrite, scopeCompanyId, grantableRoles } from "./api.js";
import { h, mount, pageHeader, errorBlock, emptyState, fmtDate, fmtTime, table } from "./dom.js";
import { stackedBarChart } from "./charts.js";

/** How each risk level and SLA state is named in a chart's legend. */
const SERIES_LABELS = {
  critical: "Critical",
  high: "High",
  medium: "Medium",
  low: "Low",
  unscored: "Not assessed",
  breached: "Breached",
  at_risk: "At risk",
  ok: "On time",
};

/** Where each first step is done in the console, and who may do it there. */
const STEP_PAGES = {
  calendar: { href: "#/company", may: () => can("company") },
  departments: { href: "#/departments", may: () => can("people") },
  sensitive: { href: "#/departments", may: () => can("people") },
  people: { href: "#/imports", may: () => can("imports") },
  invite: { href: "#/people", may: () => can("people") && grantableRoles().includes("hr") && grantableRoles().includes("security") },
  leaver: { href: "#/leavers/new", may: () => can("writeLeavers") },
};

function hashOf(path, params) {
  const qs = params ? params.toString() : "";
  return `#${path}${qs ? `?${qs}` : ""}`;
}

/**
 * The console page for an API list path with its query (a figure's
 * `link`): the same list with the same filter where the console has it,
 * else the nearest page the viewer may open; null when there is none.
 */
export function consoleHref(link) {
  if (!link) return null;
  const [path, qs] = link.split("?");
  const q = new URLSearchParams(qs || "");
  const me = user();
  switch (path) {
    case "/leavers":
      return can("leavers") ? hashOf("/leavers", q) : null;
    case "/alerts":
      return can("alerts") ? hashOf("/alerts", q) : null;
    case "/tickets":
      return hashOf("/tickets", q);
    case "/imports":
      return can("imports") ? "#/imports" : null;
    case "/employees":
      return can("people") ? "#/people" : can("directory") ? "#/directory" : null;
    case "/projects":
      return "#/tasks";
    case "/clockins": {
      const dept = q.get("department_id");
      if (dept && can("teamTime")) return hashOf("/time/team", new URLSearchParams({ department_id: dept }));
      return "#/time";
    }
    case "/reports/payroll":
      return can("payroll") ? hashOf("/payroll", q) : null;
    case "/events": {
      const p = new URLSearchParams();
      if (q.get("department_id")) p.set("department_id", q.get("department_id"));
      if (q.get("from")) p.set("week", q.get("from"));
      return hashOf("/events", p);
    }
    case "/companies":
      return can("company") ? "#/company" : null;
    case "/departments":
      return can("people") ? "#/departments" : null;
    default: {
      const docs = path.match(/^\/employees\/([^/]+)\/documents$/);
      if (docs) {
        const id = decodeURIComponent(docs[1]);
        return me && id !== me.id && can("othersDocuments") ? hashOf("/documents", new URLSearchParams({ employee: id })) : "#/documents";
      }
      return null;
    }
  }
}

/** A figure's value as read: hours from hundredths, counts as they are. */
function valueText(f) {
  if (f.unit === "hours") return `${(f.value / 100).toFixed(2)} h`;
  return String(f.value);
}

function figureItem(card, f) {
  const tone = f.tone && f.value > 0 ? f.tone : null;
  const content = [
    h("span", { class: "figure-value" }, valueText(f)),
    " ",
    h("span", { class: "figure-label" }, f.label),
    f.id === "shift" && f.detail ? h("span", { class: "figure-detail" }, `since ${fmtTime(f.detail)}`) : null,
    f.id !== "shift" && f.detail ? h("span", { class: "figure-detail" }, f.detail) : null,
  ];
  const href = consoleHref(f.link);
  const attrs = { class: ["figure", tone && `tone-${tone}`], dataset: { figure: f.id, value: String(f.value), tone: tone || "" } };
  return h("li", {}, href ? h("a", { ...attrs, href }, content) : h("div", attrs, content));
}

function legend(keys) {
  return h(
    "ul",
    { class: "legend", "aria-hidden": "true" },
    keys.map((k) => h("li", {}, h("span", { class: `swatch part-${k}` }), SERIES_LABELS[k] || k)),
  );
}

/** A bar's label: a week's first day reads as a date. */
function barLabel(label) {
  return /^\d{4}-\d{2}-\d{2}$/.test(label) ? `From ${fmtDate(label)}` : label;
}

function chartBlock(card) {
  const c = card.chart;
  const series = c.series.map((k) => ({ key: k, label: SERIES_LABELS[k] || k }));
  const rows = c.bars.map((b, i) => ({
    id: String(i),
    label: barLabel(b.label),
    parts: c.series.map((k, j) => ({ key: k, value: b.values[j] || 0 })),
  }));
  const numbers = table({
    caption: c.title,
    columns: [
      {
        label: card.id === "leave_dates" ? "Week" : "Raised",
        render: (r) => {
          const href = consoleHref(c.bars[Number(r.id)].link);
          return href ? h("a", { href }, r.label) : r.label;
        },
      },
      ...c.series.map((k, j) => ({ label: SERIES_LABELS[k] || k, render: (r) => h("span", { class: "num" }, String(r.parts[j].value)) })),
    ],
    rows,
  });
  return h(
    "figure",
    { class: "overview-chart", dataset: { chart: card.id } },
    stackedBarChart({ rows, series, title: c.title, chart: `overview-${card.id}`, compact: true }),
    h("figcaption", {}, legend(c.series)),
    h("details", { class: "chart-numbers" }, h("summary", {}, "The numbers"), numbers),
  );
}

function cardBlock(card) {
  const headId = `card-${card.id}`;
  return h(
    "section",
    { class: "card overview-card", id: headId, dataset: { card: card.id }, "aria-labelledby": `${headId}-h` },
    h("h2", { id: `${headId}-h` }, card.title),
    card.figures.length ? h("ul", { class: "figures" }, card.figures.map((f) => figureItem(card, f))) : null,
    card.chart ? chartBlock(card) : null,
  );
}

function firstRunBlock(fr) {
  return h(
    "section",
    { class: "card first-run", id: "first-run", "aria-labelledby": "first-run-h" },
    h("h2", { id: "first-run-h" }, "Getting started"),
    h("p", { class: "first-run-count", id: "first-run-count" }, `${fr.done} of ${fr.total} done`),
    h("progress", { max: String(fr.total), value: String(fr.done), "aria-labelledby": "first-run-h first-run-count" }),
    h(
      "ol",
      { class: "first-run-steps" },
      fr.steps.map((st) => {
        const page = STEP_PAGES[st.id];
        const may = page && page.may();
        return h(
          "li",
          { class: ["first-run-step", st.done && "is-done"], dataset: { step: st.id, done: String(st.done) } },
          h("span", { class: "first-run-mark", "aria-hidden": "true" }, st.done ? "✓" : "○"),
          st.done
            ? h("span", {}, h("span", { class: "first-run-label" }, st.label), h("span", { class: "visually-hidden" }, " (done)"))
            : may
              ? h("a", { href: page.href }, st.label)
              : h("span", {}, st.label, h("span", { class: "muted" }, " (an owner does this)")),
        );
      }),
    ),
  );
}

/** `#/overview`: what needs the signed-in person today. */
export async function overviewPage() {
  const me = user();
  const body = h("div", { class: "overview", id: "overview" });
  const when = h("p", { class: "lede", id: "overview-when" });
  const root = h("section", { class: "overview-page" }, pageHeader("Overview"), when, body);

  if (me.role === "admin" && !scopeCompanyId()) {
    mount(body, emptyState({ message: "Pick a company in the header to see its overview." }));
    return root;
  }

  let seq = 0;
  async function load() {
    const mine = ++seq;
    const o = await api("GET", "/overview");
    if (mine !== seq) return;
    when.textContent = `${fmtDate(o.today)} · week ${o.week.split("-W")[1] || o.week}`;
    mount(body, o.first_run ? firstRunBlock(o.first_run) : null, h("div", { class: "overview-cards" }, o.cards.map(cardBlock)));
    body.dataset.role = o.role;
    body.dataset.loaded = String(seq);
  }

  try {
    await load();
  } catch (e) {
    mount(body, errorBlock(e));
    return root;
  }

  // Clocked in or out with the header's control while this page shows:
  // read the figures again, in place (focus stays on the control).
  const off = onWrite((method, path) => {
    if (!root.isConnected) {
      off();
      return;
    }
    if (path.startsWith("/clockins")) load().catch(() => {});
  });
  return root;
}
