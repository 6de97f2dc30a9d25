// Leavers: the list (filters, sort), registering a leaver, and a leaver's
// page: the score explained (factor chart, evidence), its history, the
// offboarding checklist and the actions (leave date, assess now).

import { api, can, listAll, ApiError } from "./api.js";
import {
  h,
  mount,
  field,
  formValues,
  formAlert,
  submitting,
  pageHeader,
  sortableTable,
  fmtDate,
  fmtTime,
  humanize,
  levelBadge,
  statusBadge,
  announce,
  errorBlock,
  showErrors,
  today,
  emptyState,
} from "./dom.js";
import { factorChart, historyChart } from "./charts.js";
import { clockBadge } from "./tickets.js";
import { pickablePeople } from "./projects.js";

const LEVELS = ["low", "medium", "high", "critical"];
const LEVEL_RANK = { low: 0, medium: 1, high: 2, critical: 3 };
const REASONS = ["resignation", "dismissal", "redundancy", "retirement", "contract_end", "other"];
const ACCESS = ["standard", "elevated", "privileged"];

const name = (l) => `${l.first_name} ${l.surname}`;

/** `#/leavers?risk_level=&department=&leaving_after=&leaving_before=&status=` */
export async function listPage({ query, go }) {
  const filters = {
    status: query.get("status") || "active",
    risk_level: query.get("risk_level") || "",
    department: query.get("department") || "",
    leaving_after: query.get("leaving_after") || "",
    leaving_before: query.get("leaving_before") || "",
  };
  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter leavers" },
    formAlert(),
    field({ name: "risk_level", label: "Risk level", type: "select", value: filters.risk_level, options: [["", "Any"], ...LEVELS.map((l) => [l, humanize(l)])] }),
    field({ name: "department", label: "Department", value: filters.department, hint: "Exact name" }),
    field({ name: "leaving_after", label: "Leaving from", type: "date", value: filters.leaving_after }),
    field({ name: "leaving_before", label: "Leaving until", type: "date", value: filters.leaving_before }),
    field({ name: "status", label: "Status", type: "select", value: filters.status, options: [["active", "Active"], ["deleted", "Deleted"]] }),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Filter"), h("a", { href: "#/leavers", class: "button-quiet" }, "Clear")),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    const qs = new URLSearchParams(Object.entries(v).filter(([k, x]) => x && !(k === "status" && x === "active")));
    go(`/leavers${qs.toString() ? `?${qs}` : ""}`);
  });

  const results = h("div", { class: "results", "aria-live": "polite" });
  const q = Object.fromEntries(Object.entries(filters).filter(([, v]) => v));
  let cursor = null;
  let rows = [];
  const more = h("button", { type: "button", class: "button-quiet", hidden: true }, "Load more");
  async function load() {
    more.disabled = true;
    try {
      const page = await api("GET", "/leavers", { query: { ...q, limit: 100, cursor } });
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
      const filtered = Object.keys(q).some((k) => !(k === "status" && q[k] === "active"));
      const register = can("writeLeavers") ? { label: "Register a leaver", href: "#/leavers/new" } : null;
      mount(
        results,
        filtered
          ? emptyState({ message: "No leavers match these filters.", clear: "#/leavers", action: register })
          : emptyState({
              message: can("writeLeavers")
                ? "No leavers yet. Leavers appear here when you or HR register someone who is leaving, or import them from a CSV."
                : "No leavers yet. Leavers appear here when HR registers someone who is leaving, or imports them from a CSV.",
              action: register,
            }),
      );
      return;
    }
    mount(results,
      h("p", { class: "count" }, `${rows.length} leaver${rows.length === 1 ? "" : "s"}${cursor ? " so far" : ""}. Sort by a column header.`),
      sortableTable({
        caption: "Leavers",
        initial: { key: "leave_date", dir: "ascending" },
        rows,
        columns: [
          { key: "name", label: "Name", sort: (l) => `${l.surname} ${l.first_name}`.toLowerCase(), render: (l) => h("a", { href: `#/leavers/${encodeURIComponent(l.id)}` }, name(l)) },
          { key: "department", label: "Department", sort: (l) => l.department.toLowerCase(), render: (l) => l.department },
          { key: "leave_date", label: "Leave date", sort: (l) => l.leave_date, render: (l) => h("time", { datetime: l.leave_date }, fmtDate(l.leave_date)) },
          { key: "reason", label: "Reason", sort: (l) => l.reason, render: (l) => humanize(l.reason) },
          { key: "level", label: "Level", sort: (l) => (l.risk ? LEVEL_RANK[l.risk.level] : -1), render: (l) => levelBadge(l.risk && l.risk.level) },
          { key: "score", label: "Score", sort: (l) => (l.risk ? l.risk.score : -1), render: (l) => (l.risk ? String(l.risk.score) : "–") },
        ],
      }),
    );
  }
  await load();
  return h(
    "section",
    {},
    pageHeader("Leavers", can("writeLeavers") ? h("a", { href: "#/leavers/new", class: "button", id: "new-leaver" }, "Register a leaver") : null),
    form,
    results,
    more,
  );
}

/** `#/leavers/new` */
export async function newPage({ go }) {
  let people = [];
  try {
    if (can("people")) people = await listAll("/auth/admin/users", {}, 300);
  } catch {
    people = [];
  }
  const form = h(
    "form",
    { class: "card form grid", novalidate: true, "aria-labelledby": "page-title" },
    formAlert(),
    field({ name: "first_name", label: "First name", required: true, autocomplete: "off" }),
    field({ name: "surname", label: "Surname", required: true, autocomplete: "off" }),
    field({ name: "email", label: "Email", type: "email", autocomplete: "off", optional: true }),
    people.length
      ? field({
          name: "employee_id",
          label: "Their Tenure account",
          optional: true,
          type: "select",
          options: [["", "None"], ...people.filter((p) => p.active).map((p) => [p.id, `${p.full_name} (${p.email})`])],
          hint: "Linking the account refuses it after the leave date and lets the sweep deactivate it.",
        })
      : null,
    field({ name: "department", label: "Department", required: true }),
    field({ name: "job_title", label: "Job title", optional: true }),
    field({ name: "leave_date", label: "Leave date", type: "date", required: true, value: today(14) }),
    field({ name: "reason", label: "Reason", type: "select", required: true, options: REASONS.map((r) => [r, humanize(r)]) }),
    field({ name: "access_level", label: "Access level", type: "select", optional: true, hint: "Standard unless you choose otherwise.", options: ACCESS.map((a) => [a, humanize(a)]) }),
    field({ name: "notes", label: "Notes", type: "textarea", wide: true, optional: true }),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Register leaver"), h("a", { href: "#/leavers", class: "button-quiet" }, "Cancel")),
  );
  const key = crypto.randomUUID();
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    const body = {};
    for (const [k, x] of Object.entries(v)) if (x !== "") body[k] = x;
    submitting(form, async () => {
      const l = await api("POST", "/leavers", { body, idempotent: key });
      announce(`${name(l)} is registered.`);
      go(`/leavers/${encodeURIComponent(l.id)}`);
    });
  });
  return h("section", {}, pageHeader("Register a leaver"), form);
}

/** `#/leavers/{id}` */
export async function leaverPage({ params, refresh }) {
  const id = params[0];
  const path = `/leavers/${encodeURIComponent(id)}`;
  const [leaver, risk] = await Promise.all([api("GET", path), api("GET", `${path}/risk`)]);
  let version = leaver.version;

  const riskBox = h("section", { class: "card risk", "aria-labelledby": "risk-h" });
  function drawRisk(r) {
    const factors = (r.factors || []).slice().sort((a, b) => b.contribution - a.contribution);
    mount(riskBox,
      h("h2", { id: "risk-h" }, "Risk"),
      h(
        "div",
        { class: "score-line" },
        h("span", { class: `score level-${r.level || "low"}`, id: "risk-score" }, r.score === null || r.score === undefined ? "–" : String(r.score)),
        h("span", { class: "score-of" }, "/ 100"),
        levelBadge(r.level),
        h("span", { class: "muted" }, r.assessed_at ? `Assessed ${fmtTime(r.assessed_at)}` : "Not assessed yet"),
      ),
      r.post_leave_activity
        ? h("p", { class: "flash flash-error" }, `Account used after the leave date: ${r.post_leave_activity.what} at ${fmtTime(r.post_leave_activity.at)} from ${r.post_leave_activity.source_ip}`)
        : null,
      h("h3", {}, "What makes up the score"),
      h("figure", { class: "chart-box" }, factorChart(factors, r.level)),
      h("h3", {}, "Evidence"),
      factors.length
        ? h(
            "ul",
            { class: "evidence", id: "evidence" },
            factors.map((f) =>
              h(
                "li",
                { dataset: { factor: f.id } },
                h("strong", {}, f.label),
                h("span", { class: "muted" }, ` +${f.contribution} of ${f.weight}`),
                f.evidence && f.evidence.length ? h("ul", {}, f.evidence.map((e) => h("li", {}, e))) : null,
              ),
            ),
          )
        : h("p", { class: "empty", id: "evidence" }, "No factor adds to this score."),
    );
  }
  drawRisk(risk);

  const historyBox = h(
    "section",
    { class: "card", "aria-labelledby": "history-h" },
    h("h2", { id: "history-h" }, "Score history"),
    h("figure", { class: "chart-box" }, historyChart(risk.history || [])),
  );

  const actions = h("section", { class: "card", "aria-labelledby": "actions-h" }, h("h2", { id: "actions-h" }, "Actions"));
  const assess = h("button", { type: "button", class: "button", id: "assess-now" }, "Assess now");
  assess.addEventListener("click", async () => {
    assess.disabled = true;
    assess.setAttribute("aria-busy", "true");
    try {
      const r = await api("POST", `${path}/assess`);
      const fresh = await api("GET", `${path}/risk`);
      drawRisk({ ...fresh, score: r.score, level: r.level, factors: r.factors, assessed_at: r.assessed_at });
      announce(`Assessed: ${r.score} (${r.level}).`);
    } catch (e) {
      announce(e.message, "error");
    } finally {
      assess.disabled = false;
      assess.removeAttribute("aria-busy");
    }
  });
  actions.append(h("div", { class: "form-actions" }, assess));
  if (can("writeLeavers")) {
    const dateForm = h(
      "form",
      { class: "form inline", novalidate: true, "aria-label": "Change the leave date" },
      formAlert(),
      field({ name: "leave_date", label: "Leave date", type: "date", required: true, value: leaver.leave_date }),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Save leave date")),
    );
    dateForm.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const v = formValues(dateForm);
      submitting(dateForm, async () => {
        await api("PATCH", path, { body: { version, leave_date: v.leave_date } });
        announce("Leave date saved; the leaver was re-scored.");
        refresh();
      });
    });
    actions.append(dateForm);
  }

  const checklist = h("section", { class: "card", "aria-labelledby": "check-h" }, h("h2", { id: "check-h" }, "Offboarding checklist"));
  const mayTick = can("checklist");
  const list = h("ul", { class: "checklist" });
  function drawChecklist(items) {
    mount(list,
      ...items.map((item) => {
        const id = `check-${item.id}`;
        const box = h("input", { type: "checkbox", id, checked: item.done, disabled: !mayTick, dataset: { item: item.id } });
        const meta = item.done && item.done_at ? h("span", { class: "muted" }, ` done ${fmtTime(item.done_at)}`) : null;
        box.addEventListener("change", async () => {
          box.disabled = true;
          try {
            const res = await api("PATCH", `${path}/checklist/${encodeURIComponent(item.id)}`, { body: { done: box.checked, version } });
            version = res.version;
            drawChecklist(res.items);
            announce(`${item.label}: ${box.checked ? "done" : "not done"}.`);
            document.getElementById(id)?.focus();
          } catch (e) {
            box.checked = !box.checked;
            box.disabled = false;
            announce(e instanceof ApiError && e.status === 409 ? "The leaver changed meanwhile; reload the page." : e.message, "error");
          }
        });
        return h("li", {}, box, h("div", {}, h("label", { for: id }, item.label), meta, item.note ? h("p", { class: "muted" }, item.note) : null));
      }),
    );
  }
  drawChecklist(leaver.checklist || []);
  checklist.append(list);

  const offboarding = leaver.offboarding ? offboardingCard(leaver.offboarding) : null;
  const handover = can("writeLeavers") ? await handoverCard(leaver, path, refresh) : null;

  const details = h(
    "dl",
    { class: "details" },
    ...[
      ["Department", leaver.department],
      ["Job title", leaver.job_title || "–"],
      ["Leave date", fmtDate(leaver.leave_date)],
      ["Reason", humanize(leaver.reason)],
      ["Access level", humanize(leaver.access_level)],
      ["Email", leaver.email || "–"],
      ["Account", leaver.employee_id ? `${leaver.employee_id}${leaver.linked_role ? ` (${leaver.linked_role})` : ""}` : "Not linked"],
      ["Notes", leaver.notes || "–"],
    ].flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
  );

  const alertIds = Object.entries(risk.open_alerts || {});
  return h(
    "section",
    { class: "leaver" },
    h("p", { class: "crumbs" }, h("a", { href: "#/leavers" }, "Leavers")),
    pageHeader(name(leaver), levelBadge(leaver.risk && leaver.risk.level)),
    alertIds.length ? h("p", { class: "flash flash-error" }, `Open alert${alertIds.length > 1 ? "s" : ""}: ${alertIds.map(([lvl]) => lvl).join(", ")}. `, h("a", { href: "#/alerts" }, "See alerts")) : null,
    h("div", { class: "columns" }, h("div", { class: "col-main" }, riskBox, historyBox), h("div", { class: "col-side" }, h("section", { class: "card", "aria-label": "Details" }, details), checklist, handover, offboarding, actions)),
  );
}

/**
 * IT's offboarding ticket for the leaver: a link to it with its status and
 * resolution clock, for those who may open it (IT, owners, admins and
 * whoever registered the leaver); others learn only that it exists.
 */
function offboardingCard(link) {
  const body = h("div", { "aria-live": "polite" }, h("p", { class: "loading" }, "Reading the offboarding ticket…"));
  api("GET", `/tickets/${encodeURIComponent(link.ticket_id)}`)
    .then((t) =>
      mount(
        body,
        h("p", {}, h("a", { href: `#/tickets/${encodeURIComponent(t.id)}`, id: "offboarding-link" }, "Offboarding ticket"), " ", statusBadge(t.status)),
        h("p", {}, "Revoking access: ", clockBadge(t.sla.resolution)),
        h("p", { class: "hint" }, "Resolving the ticket ticks “Access revoked” on the checklist."),
      ),
    )
    .catch((e) =>
      mount(
        body,
        h(
          "p",
          { class: "muted", id: "offboarding-hidden" },
          e instanceof ApiError && e.status === 404
            ? `IT has had a ticket to revoke this leaver's access since ${fmtTime(link.opened_at)}; IT, owners and the person who registered the leaver can open it.`
            : e.message,
        ),
      ),
    );
  return h("section", { class: "card", id: "offboarding", "aria-labelledby": "offboarding-h" }, h("h2", { id: "offboarding-h" }, "IT offboarding"), body);
}

/**
 * Hand-over and closing the case (owner, HR, admin): hand the leaver's
 * projects and open tasks to a person, then close the case; a refused
 * close lists what blocks it (checklist, hand-over, deactivation).
 */
async function handoverCard(leaver, path, refresh) {
  const card = h("section", { class: "card", id: "handover", "aria-labelledby": "handover-h" }, h("h2", { id: "handover-h" }, "Hand-over"));
  const closed = leaver.status === "closed";
  if (closed) {
    const reopen = h("button", { type: "button", class: "button-quiet", id: "reopen-case" }, "Reopen case");
    reopen.addEventListener("click", async () => {
      reopen.disabled = true;
      try {
        const fresh = await api("GET", path);
        await api("PATCH", path, { body: { version: fresh.version, status: "active" } });
        announce("The case is open again.");
        refresh();
      } catch (e) {
        announce(e.message, "error");
        reopen.disabled = false;
      }
    });
    card.append(h("p", { id: "case-status" }, statusBadge("closed"), " This case is closed."), h("div", { class: "form-actions" }, reopen));
    return card;
  }
  const people = (await pickablePeople()).filter((p) => p.id !== leaver.employee_id);
  const result = h("div", { id: "handover-result", "aria-live": "polite" });
  const form = h(
    "form",
    { class: "form", novalidate: true, id: "handover-form", "aria-label": "Hand the leaver's work over" },
    formAlert(),
    field({
      name: "to_user_id",
      label: "Hand over to",
      type: "select",
      required: true,
      options: [["", "Choose a person"], ...people.map((p) => [p.id, p.label])],
      hint: "Their projects and open tasks move to this person.",
    }),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Hand over")),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    submitting(form, async () => {
      let projects = 0;
      let tasks = 0;
      // 202: more remains; call again (a bounded number of times).
      for (let round = 0; round < 20; round += 1) {
        const res = await api("POST", `${path}/handover`, { body: { to_user_id: v.to_user_id }, raw: true });
        const body = await res.json();
        projects += body.moved_projects || 0;
        tasks += body.moved_tasks || 0;
        if (res.status !== 202 && !body.remaining) break;
      }
      const to = people.find((p) => p.id === v.to_user_id);
      mount(
        result,
        h(
          "p",
          { class: "flash flash-info", dataset: { projects: String(projects), tasks: String(tasks) } },
          `Handed over to ${to ? to.label : v.to_user_id}: ${projects} project${projects === 1 ? "" : "s"} and ${tasks} task${tasks === 1 ? "" : "s"}.`,
        ),
      );
      announce("Hand-over done.");
    });
  });
  const blockers = h("div", { id: "close-blockers", "aria-live": "polite" });
  const close = h("button", { type: "button", class: "button-quiet", id: "close-case" }, "Close case");
  close.addEventListener("click", async () => {
    close.disabled = true;
    mount(blockers);
    try {
      const fresh = await api("GET", path);
      await api("PATCH", path, { body: { version: fresh.version, status: "closed" } });
      announce("The case is closed.");
      refresh();
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && e.errors.length) {
        mount(
          blockers,
          h(
            "div",
            { class: "form-alert", role: "alert" },
            h("strong", {}, "The case cannot be closed yet:"),
            h("ul", {}, e.errors.map((b) => h("li", { dataset: { blocker: b.field } }, `${humanize(b.field)}: ${b.message}`))),
          ),
        );
      } else {
        mount(blockers, errorBlock(e));
      }
    } finally {
      close.disabled = false;
    }
  });
  card.append(form, result, h("h3", {}, "Closing the case"), blockers, h("div", { class: "form-actions" }, close));
  return card;
}
