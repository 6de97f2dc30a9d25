// Audit: the company's log with filters, CSV export (every page, saved as
// a download) and verification of the hash chain (following next_cursor
// until the chain is complete).

import { api, ApiError } from "./api.js";
import { h, mount, field, formValues, formAlert, pageHeader, table, fmtTime, showErrors, errorBlock, saveBlob, today, emptyState } from "./dom.js";

const FILTERS = ["actor", "action", "target", "from", "to"];

/** `#/audit?actor=&action=&target=&from=&to=` */
export async function auditPage({ query, go }) {
  const filters = Object.fromEntries(FILTERS.map((k) => [k, query.get(k) || ""]));
  const active = Object.fromEntries(Object.entries(filters).filter(([, v]) => v));

  const form = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Filter the audit log" },
    formAlert(),
    field({ name: "action", label: "Action", value: filters.action, hint: "e.g. leaver.created" }),
    field({ name: "actor", label: "Actor", value: filters.actor, hint: "A user id" }),
    field({ name: "target", label: "Target", value: filters.target, hint: "An object id" }),
    field({ name: "from", label: "From", type: "date", value: filters.from }),
    field({ name: "to", label: "To", type: "date", value: filters.to }),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Filter"), h("a", { href: "#/audit", class: "button-quiet" }, "Clear")),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const qs = new URLSearchParams(Object.entries(formValues(form)).filter(([, v]) => v));
    go(`/audit${qs.toString() ? `?${qs}` : ""}`);
  });

  const listBox = h("div", { id: "audit-list", "aria-live": "polite" });
  let events = [];
  let cursor = null;
  const more = h("button", { type: "button", class: "button-quiet", hidden: true }, "Load more");
  async function load() {
    more.disabled = true;
    try {
      const page = await api("GET", "/audit", { query: { ...active, limit: 50, cursor } });
      events = events.concat(page.items);
      cursor = page.next_cursor;
      draw();
    } catch (e) {
      if (e instanceof ApiError && e.errors.length) showErrors(form, e);
      else mount(listBox, errorBlock(e));
    } finally {
      more.disabled = false;
      more.hidden = !cursor;
    }
  }
  more.addEventListener("click", load);
  function draw() {
    if (!events.length) {
      const filtered = Object.keys(active).length > 0;
      mount(
        listBox,
        cursor
          ? emptyState({ message: "No events on this page; load more." })
          : filtered
            ? emptyState({ message: "No audit events match these filters.", clear: "#/audit" })
            : emptyState({ message: "No audit events yet. Every change anyone makes in the company (a sign-in, a leaver registered, a role changed) is recorded here." }),
      );
      return;
    }
    mount(listBox,
      table({
        caption: "Audit events, newest first",
        rows: events,
        columns: [
          { label: "#", render: (e) => String(e.seq) },
          { label: "Time", render: (e) => h("time", { datetime: e.at }, fmtTime(e.at)) },
          { label: "Action", render: (e) => h("code", {}, e.action) },
          { label: "Actor", render: (e) => h("code", { class: "id" }, e.actor) },
          { label: "Target", render: (e) => h("code", { class: "id" }, e.target) },
          { label: "Detail", render: (e) => Object.entries(e.detail || {}).map(([k, v]) => `${k}=${v}`).join(", ") || "–" },
          { label: "Source", render: (e) => e.source_ip },
        ],
      }),
    );
  }

  // CSV export: every page of the filtered log, as one file.
  const exportStatus = h("span", { class: "muted", id: "export-status", role: "status" });
  const exportButton = h("button", { type: "button", class: "button", id: "export-csv" }, "Export CSV");
  exportButton.addEventListener("click", async () => {
    exportButton.disabled = true;
    exportStatus.textContent = "Exporting…";
    try {
      const parts = [];
      let next = null;
      let pages = 0;
      do {
        const res = await api("GET", "/audit", { query: { ...active, cursor: next }, accept: "text/csv", raw: true });
        const text = await res.text();
        parts.push(pages === 0 ? text : text.slice(text.indexOf("\n") + 1));
        next = res.headers.get("x-next-cursor");
        pages += 1;
        exportStatus.textContent = `Exporting… ${pages} page${pages === 1 ? "" : "s"}`;
      } while (next && pages < 100);
      const csv = parts.join("");
      const rows = Math.max(0, csv.split("\n").filter(Boolean).length - 1);
      saveBlob(new Blob([csv], { type: "text/csv;charset=utf-8" }), `tenure-audit-${today()}.csv`);
      exportStatus.textContent = `Exported ${rows} event${rows === 1 ? "" : "s"}.`;
    } catch (e) {
      exportStatus.textContent = e.message;
    } finally {
      exportButton.disabled = false;
    }
  });

  // Chain verification.
  const verifyBox = h("div", { id: "verify-result", role: "status", "aria-live": "polite" });
  const verifyButton = h("button", { type: "button", class: "button", id: "verify-chain" }, "Verify chain");
  verifyButton.addEventListener("click", async () => {
    verifyButton.disabled = true;
    verifyButton.setAttribute("aria-busy", "true");
    const progress = h("progress", { "aria-label": "Verifying" });
    mount(verifyBox, progress, " Verifying…");
    try {
      let next = null;
      let checked = 0;
      const breaks = [];
      let last;
      do {
        last = await api("GET", "/audit/verify", { query: { cursor: next } });
        checked += last.checked;
        breaks.push(...(last.breaks || []));
        next = last.next_cursor;
        mount(verifyBox, progress, ` Verifying… ${checked} events checked`);
      } while (!last.complete && next);
      if (breaks.length === 0) {
        mount(verifyBox, h("p", { class: "flash flash-ok", dataset: { valid: "true" } }, `The chain is intact: ${checked} events checked, head at #${last.head_seq}.`));
      } else {
        mount(verifyBox,
          h("p", { class: "flash flash-error", dataset: { valid: "false" } }, `The chain is broken in ${breaks.length} place${breaks.length === 1 ? "" : "s"} (${checked} events checked):`),
          h("ul", {}, breaks.map((b) => h("li", {}, `#${b.seq}: ${b.problem}`))),
        );
      }
    } catch (e) {
      mount(verifyBox, errorBlock(e));
    } finally {
      verifyButton.disabled = false;
      verifyButton.removeAttribute("aria-busy");
    }
  });

  await load();
  return h(
    "section",
    {},
    pageHeader("Audit log", exportButton, verifyButton),
    h("div", { class: "tools" }, exportStatus, verifyBox),
    form,
    listBox,
    more,
  );
}
