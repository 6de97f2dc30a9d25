// Alerts: the unresolved ones first; security, owners and admins
// acknowledge or resolve them with a note and run the sweep on demand; HR
// reads them.

import { api, can } from "./api.js";
import { h, mount, field, formValues, formAlert, submitting, pageHeader, fmtTime, humanize, levelBadge, statusBadge, announce, errorBlock, emptyState } from "./dom.js";

const STATUSES = [
  ["unresolved", "Unresolved"],
  ["open", "Open"],
  ["acknowledged", "Acknowledged"],
  ["resolved", "Resolved"],
  ["", "All"],
];

const LEVELS = [
  ["", "Any"],
  ["critical", "Critical"],
  ["high", "High"],
  ["medium", "Medium"],
  ["low", "Low"],
];

/** `#/alerts?status=&level=` */
export async function alertsPage({ query, go }) {
  const status = query.has("status") ? query.get("status") : "unresolved";
  const level = LEVELS.some(([v]) => v && v === query.get("level")) ? query.get("level") : "";
  const manage = can("manageAlerts");

  const filter = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter alerts" },
    field({ name: "status", label: "Show", type: "select", value: status, options: STATUSES }),
    field({ name: "level", label: "Level", type: "select", value: level, options: LEVELS }),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Show")),
  );
  filter.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = formValues(filter);
    go(`/alerts?status=${encodeURIComponent(v.status)}${v.level ? `&level=${encodeURIComponent(v.level)}` : ""}`);
  });

  const listBox = h("div", { class: "alerts", id: "alert-list" });
  let cursor = null;
  let count = 0;
  const more = h("button", { type: "button", class: "button-quiet", hidden: true }, "Load more");
  async function load() {
    more.disabled = true;
    try {
      const page = await api("GET", "/alerts", { query: { status, level, limit: 50, cursor } });
      if (!cursor) mount(listBox);
      for (const a of page.items) listBox.append(alertCard(a));
      count += page.items.length;
      cursor = page.next_cursor;
      if (!count) {
        const why = "Alerts appear here when a leaver's risk rises to high or critical, or their activity crosses a threshold; the sweep re-scores leavers every day.";
        const sweep = can("sweep") ? { label: "Run sweep now", onClick: () => document.getElementById("run-sweep")?.click() } : null;
        mount(
          listBox,
          level
            ? emptyState({ message: `No ${status ? `${status} ` : ""}${level} alerts.`, clear: "#/alerts", action: sweep })
            : status === "unresolved"
              ? emptyState({ message: `No unresolved alerts. ${why}`, action: sweep })
              : status
                ? emptyState({ message: `No ${status} alerts.`, clear: "#/alerts", action: sweep })
                : emptyState({ message: `No alerts yet. ${why}`, action: sweep }),
        );
      }
    } catch (e) {
      mount(listBox, errorBlock(e));
    } finally {
      more.disabled = false;
      more.hidden = !cursor;
    }
  }
  more.addEventListener("click", load);

  function alertCard(a) {
    const card = h("article", { class: `card alert-card level-${a.level}`, dataset: { alert: a.id, status: a.status }, "aria-labelledby": `alert-${a.id}` });
    const draw = (x) => {
      card.dataset.status = x.status;
      mount(card,
        h(
          "header",
          { class: "alert-head" },
          h("h2", { id: `alert-${x.id}` }, h("a", { href: `#/leavers/${encodeURIComponent(x.leaver_id)}` }, x.leaver_name)),
          levelBadge(x.level),
          statusBadge(x.status),
          h("span", { class: "muted" }, `Score ${x.score} · raised ${fmtTime(x.raised_at)}`),
        ),
        x.kind && x.kind !== "risk" ? h("p", {}, humanize(x.kind)) : null,
        x.reasons && x.reasons.length ? h("ul", { class: "reasons" }, x.reasons.map((r) => h("li", {}, r))) : null,
        x.note ? h("p", { class: "note" }, h("strong", {}, "Note: "), x.note) : null,
        x.acknowledged_at ? h("p", { class: "muted" }, `Acknowledged ${fmtTime(x.acknowledged_at)}`) : null,
        x.resolved_at ? h("p", { class: "muted" }, `Resolved ${fmtTime(x.resolved_at)}`) : null,
        manage && x.status !== "resolved" ? actionForm(x, draw) : null,
      );
    };
    draw(a);
    return card;
  }

  function actionForm(a, redraw) {
    const form = h(
      "form",
      { class: "form alert-actions", novalidate: true, "aria-label": `Act on the alert for ${a.leaver_name}` },
      formAlert(),
      field({ name: "note", label: "Note", type: "textarea", rows: 2, hint: "Required to resolve." }),
      h(
        "div",
        { class: "form-actions" },
        a.status === "open" ? h("button", { type: "submit", class: "button", value: "acknowledged", dataset: { action: "acknowledge" } }, "Acknowledge") : null,
        h("button", { type: "submit", class: a.status === "open" ? "button-quiet" : "button", value: "resolved", dataset: { action: "resolve" } }, "Resolve"),
      ),
    );
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const wanted = ev.submitter ? ev.submitter.value : "acknowledged";
      const { note } = formValues(form);
      submitting(form, async () => {
        const updated = await api("PATCH", `/alerts/${encodeURIComponent(a.id)}`, { body: { status: wanted, note: note || undefined, version: a.version } });
        announce(`Alert for ${a.leaver_name} ${updated.status}.`);
        redraw(updated);
      });
    });
    return form;
  }

  let sweepBox = null;
  if (can("sweep")) {
    const progress = h("div", { class: "sweep-status", id: "sweep-status", role: "status", "aria-live": "polite" });
    const button = h("button", { type: "button", class: "button", id: "run-sweep" }, "Run sweep now");
    button.addEventListener("click", async () => {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
      mount(progress, h("progress", { "aria-label": "Sweep running" }), " Re-scoring every leaver in the risk window…");
      const started = performance.now();
      try {
        // One call sweeps up to 100 leavers; go on from its cursor until done.
        const r = { assessed: 0, alerts_raised: 0, deactivated: 0, skipped: 0, errors: 0 };
        let next = null;
        do {
          const part = await api("POST", next ? `/sweeps?cursor=${encodeURIComponent(next)}` : "/sweeps");
          for (const k of Object.keys(r)) r[k] += part[k] || 0;
          next = part.next_cursor;
          if (next) {
            mount(progress, h("progress", { "aria-label": "Sweep running" }), ` Re-scoring the risk window… ${r.assessed} so far`);
          }
        } while (next);
        const secs = ((performance.now() - started) / 1000).toFixed(1);
        mount(progress,
          h(
            "p",
            { class: "sweep-result" },
            `Sweep done in ${secs} s: ${r.assessed} leaver${r.assessed === 1 ? "" : "s"} assessed, ${r.alerts_raised} alert${r.alerts_raised === 1 ? "" : "s"} raised`,
            r.deactivated ? `, ${r.deactivated} account${r.deactivated === 1 ? "" : "s"} deactivated` : "",
            r.skipped ? `, ${r.skipped} skipped` : "",
            r.errors ? `, ${r.errors} error${r.errors === 1 ? "" : "s"}` : "",
            ".",
          ),
        );
        cursor = null;
        count = 0;
        await load();
      } catch (e) {
        mount(progress, errorBlock(e));
      } finally {
        button.disabled = false;
        button.removeAttribute("aria-busy");
      }
    });
    sweepBox = h("div", { class: "sweep" }, button, progress);
  }

  await load();
  return h(
    "section",
    {},
    pageHeader("Alerts"),
    manage ? null : h("p", { class: "muted", id: "read-only" }, "You can read alerts; security, owners and admins act on them."),
    sweepBox,
    filter,
    listBox,
    more,
  );
}
