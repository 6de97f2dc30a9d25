// DOM helpers. Everything is built with DOM APIs and text nodes: no HTML
// strings, so nothing the API returns can become markup or script.

const SVG_NS = "http://www.w3.org/2000/svg";
let uid = 0;

/** A unique id for label/aria wiring. */
export function nextId(prefix = "f") {
  uid += 1;
  return `${prefix}-${uid}`;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

function setAttrs(el, attrs, svg) {
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on") && typeof v === "function") {
      el.addEventListener(k.slice(2).toLowerCase(), v);
    } else if (k === "class") {
      el.setAttribute("class", Array.isArray(v) ? v.filter(Boolean).join(" ") : v);
    } else if (k === "dataset") {
      Object.assign(el.dataset, v);
    } else if (!svg && (k === "value" || k === "checked" || k === "disabled" || k === "selected")) {
      el[k] = v;
      if (k !== "value" && v === true) el.setAttribute(k, "");
    } else if (k === "style") {
      throw new Error("inline styles are not allowed by the CSP; use a class");
    } else {
      el.setAttribute(k, v === true ? "" : String(v));
    }
  }
}

/** An HTML element: h("p", {class: "x"}, "text", child…). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs, false);
  append(el, children);
  return el;
}

/** An SVG element. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  setAttrs(el, attrs, true);
  append(el, children);
  return el;
}

/** Replaces the children of `el`. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

const dateFmt = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric", timeZone: "UTC" });
const timeFmt = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

/** `YYYY-MM-DD` as a readable date (the API's dates have no time zone). */
export function fmtDate(iso) {
  if (!iso) return "–";
  const d = new Date(`${iso.slice(0, 10)}T00:00:00Z`);
  return Number.isNaN(d.getTime()) ? iso : dateFmt.format(d);
}

/** An RFC 3339 time in the reader's time zone. */
export function fmtTime(iso) {
  if (!iso) return "–";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : timeFmt.format(d);
}

export function fmtBytes(n) {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Today as `YYYY-MM-DD` (UTC, as the API counts days). */
export function today(offsetDays = 0) {
  const d = new Date(Date.now() + offsetDays * 86_400_000);
  return d.toISOString().slice(0, 10);
}

const ROLE_NAMES = { hr: "HR", admin: "Admin", owner: "Owner", security: "Security", manager: "Manager", technician: "Technician", employee: "Employee" };

/** A role as people write it ("HR", not "Hr"). */
export function roleName(role) {
  return ROLE_NAMES[role] || role;
}

export function humanize(s) {
  if (!s) return "";
  const t = String(s).replace(/_/g, " ");
  return t.charAt(0).toUpperCase() + t.slice(1);
}

/** A risk level badge. */
export function levelBadge(level) {
  if (!level) return h("span", { class: "badge" }, "Not assessed");
  return h("span", { class: `badge level-${level}` }, humanize(level));
}

export function statusBadge(status) {
  return h("span", { class: `badge status-${status}` }, humanize(status));
}

/**
 * A labelled form field with a slot for its error. `spec`: name, label,
 * type (text, email, password, date, number, select, textarea, checkbox),
 * options ([value, label] pairs for select), required, optional (says so
 * in the label: forms mark the optional fields, not the required), hint, value,
 * autocomplete, and any extra input attributes in `attrs`.
 */
export function field(spec) {
  const id = nextId(spec.name);
  const errId = `${id}-error`;
  const hintId = spec.hint ? `${id}-hint` : null;
  const describedBy = [hintId, errId].filter(Boolean).join(" ");
  const common = {
    id,
    name: spec.name,
    required: spec.required || false,
    "aria-describedby": describedBy,
    autocomplete: spec.autocomplete,
    ...(spec.attrs || {}),
  };
  let control;
  if (spec.type === "select") {
    control = h(
      "select",
      common,
      (spec.options || []).map(([v, l]) => h("option", { value: v, selected: String(spec.value ?? "") === String(v) }, l)),
    );
  } else if (spec.type === "textarea") {
    control = h("textarea", { ...common, rows: spec.rows || 3 });
    if (spec.value) control.value = spec.value;
  } else if (spec.type === "checkbox") {
    control = h("input", { ...common, type: "checkbox", checked: !!spec.value });
    return h(
      "div",
      { class: "field field-check", dataset: { field: spec.name } },
      control,
      h("label", { for: id }, spec.label),
      spec.hint ? h("p", { class: "hint", id: hintId }, spec.hint) : null,
      h("p", { class: "field-error", id: errId, hidden: true }),
    );
  } else {
    control = h("input", { ...common, type: spec.type || "text", value: spec.value ?? "" });
  }
  return h(
    "div",
    { class: ["field", spec.wide && "field-wide"], dataset: { field: spec.name } },
    h("label", { for: id }, spec.label, spec.optional ? h("span", { class: "optional" }, " (optional)") : null),
    control,
    spec.hint ? h("p", { class: "hint", id: hintId }, spec.hint) : null,
    h("p", { class: "field-error", id: errId, hidden: true }),
  );
}

/** The values of a form's named controls (checkboxes as booleans). */
export function formValues(form) {
  const out = {};
  for (const el of form.elements) {
    if (!el.name) continue;
    if (el.type === "checkbox") out[el.name] = el.checked;
    else out[el.name] = el.value.trim();
  }
  return out;
}

/** The alert box at the top of a form, where the problem's detail goes. */
export function formAlert() {
  return h("div", { class: "form-alert", role: "alert", hidden: true });
}

/** Clears a form's errors. */
export function clearErrors(form) {
  for (const el of form.querySelectorAll(".field-error")) {
    el.textContent = "";
    el.hidden = true;
  }
  for (const el of form.querySelectorAll("[aria-invalid]")) el.removeAttribute("aria-invalid");
  const box = form.querySelector(".form-alert");
  if (box) {
    box.textContent = "";
    box.hidden = true;
  }
}

/**
 * Shows an API error on a form: `detail` in the form's alert box, each of
 * `errors` next to its field (by name); focus goes to the first bad field,
 * or to the alert box.
 */
export function showErrors(form, err) {
  clearErrors(form);
  const box = form.querySelector(".form-alert");
  const fieldErrors = (err && err.errors) || [];
  let first = null;
  const unplaced = [];
  for (const fe of fieldErrors) {
    const wrap = form.querySelector(`[data-field="${CSS.escape(fe.field)}"]`);
    if (!wrap) {
      unplaced.push(`${humanize(fe.field)} ${fe.message}`);
      continue;
    }
    const control = wrap.querySelector("input, select, textarea");
    const slot = wrap.querySelector(".field-error");
    slot.textContent = `${humanize(fe.field)} ${fe.message}.`.replace(/\.\.$/, ".");
    slot.hidden = false;
    if (control) {
      control.setAttribute("aria-invalid", "true");
      first = first || control;
    }
  }
  if (box) {
    const detail = err && err.message ? err.message : "Something went wrong.";
    box.replaceChildren(h("strong", {}, detail));
    if (unplaced.length) box.append(h("ul", {}, unplaced.map((u) => h("li", {}, u))));
    box.hidden = false;
    if (!first) {
      box.setAttribute("tabindex", "-1");
      box.focus();
    }
  }
  if (first) first.focus();
}

/**
 * Runs `work` for a submit: disables the form's submit button meanwhile,
 * clears old errors and shows new ones.
 */
export async function submitting(form, work) {
  const button = form.querySelector("button[type=submit]");
  clearErrors(form);
  if (button) {
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
  }
  try {
    return await work();
  } catch (e) {
    showErrors(form, e);
    return undefined;
  } finally {
    if (button) {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  }
}

/** A short message in the polite live region. */
export function announce(message, kind = "info") {
  const region = document.getElementById("toast");
  if (!region) return;
  const item = h("p", { class: `toast toast-${kind}` }, message);
  region.append(item);
  while (region.children.length > 3) region.firstElementChild.remove();
  setTimeout(() => item.remove(), 5000);
}

/** An error block for a failed page load. */
export function errorBlock(e) {
  return h("div", { class: "form-alert", role: "alert" }, h("strong", {}, e && e.message ? e.message : String(e)));
}

/**
 * A table whose columns can be sorted by clicking their headers. `columns`:
 * [{key, label, sort: (row) => comparable | undefined, render: (row) => node}].
 */
export function sortableTable({ caption, columns, rows, initial }) {
  let sortKey = initial ? initial.key : null;
  let dir = initial ? initial.dir : "ascending";
  const tbody = h("tbody");
  const headCells = columns.map((c) => {
    if (!c.sort) return h("th", { scope: "col" }, c.label);
    const btn = h("button", { type: "button", class: "sort" }, c.label, h("span", { class: "sort-icon", "aria-hidden": "true" }));
    const th = h("th", { scope: "col", dataset: { key: c.key } }, btn);
    btn.addEventListener("click", () => {
      if (sortKey === c.key) dir = dir === "ascending" ? "descending" : "ascending";
      else {
        sortKey = c.key;
        dir = "ascending";
      }
      draw();
    });
    return th;
  });
  function draw() {
    let list = rows.slice();
    const col = columns.find((c) => c.key === sortKey);
    if (col && col.sort) {
      list.sort((a, b) => {
        const x = col.sort(a);
        const y = col.sort(b);
        if (x === y) return 0;
        if (x === undefined || x === null) return 1;
        if (y === undefined || y === null) return -1;
        return (x < y ? -1 : 1) * (dir === "ascending" ? 1 : -1);
      });
    }
    for (const th of headCells) {
      if (th.dataset.key === sortKey) th.setAttribute("aria-sort", dir);
      else th.removeAttribute("aria-sort");
    }
    tbody.replaceChildren(...list.map((r) => h("tr", {}, columns.map((c, i) => (i === 0 ? h("th", { scope: "row" }, c.render(r)) : h("td", { dataset: { label: c.label } }, c.render(r)))))));
  }
  draw();
  return tableWrap(caption, (capId) => h("table", { class: "data" }, caption ? h("caption", { id: capId }, caption) : null, h("thead", {}, h("tr", {}, headCells)), tbody));
}

let wrapSeq = 0;

/**
 * The box a table scrolls sideways in when it is wider than the page.
 * While it does, a keyboard must be able to scroll it too (WCAG 2.1.1;
 * axe's scrollable-region-focusable): it then takes focus (the arrow keys
 * scroll it) and is a region named by the table's caption. While it fits,
 * it is neither, so it adds no tab stop. Watched as it or the table change
 * size. `build(captionId)` makes the table.
 */
export function tableWrap(caption, build) {
  wrapSeq += 1;
  const capId = `table-caption-${wrapSeq}`;
  const t = build(capId);
  const wrap = h("div", { class: "table-wrap" }, t);
  const update = () => {
    const scrolls = wrap.scrollWidth > wrap.clientWidth + 1;
    if (scrolls === wrap.hasAttribute("tabindex")) return;
    if (scrolls) {
      wrap.setAttribute("tabindex", "0");
      wrap.setAttribute("role", "region");
      if (caption) wrap.setAttribute("aria-labelledby", capId);
      else wrap.setAttribute("aria-label", "Table");
    } else {
      for (const a of ["tabindex", "role", "aria-labelledby", "aria-label"]) wrap.removeAttribute(a);
    }
  };
  if (typeof ResizeObserver === "function") {
    const ro = new ResizeObserver(update);
    ro.observe(wrap);
    ro.observe(t);
  }
  return wrap;
}

/** A plain table. */
export function table({ caption, columns, rows }) {
  return tableWrap(caption, (capId) =>
    h(
      "table",
      { class: "data" },
      caption ? h("caption", { id: capId }, caption) : null,
      h("thead", {}, h("tr", {}, columns.map((c) => h("th", { scope: "col" }, c.label)))),
      h(
        "tbody",
        {},
        rows.map((r) => h("tr", {}, columns.map((c, i) => (i === 0 ? h("th", { scope: "row" }, c.render(r)) : h("td", { dataset: { label: c.label } }, c.render(r)))))),
      ),
    ),
  );
}

/**
 * What an empty list shows: `message`, one plain sentence saying what would
 * put something there ("nothing yet") or that the filters hide it ("nothing
 * matches"); `clear`, the address of the unfiltered list (or a function
 * that clears the filters in place), offered as "Clear filters"; `action`,
 * what would fill it, only when the viewer's role may do it (the caller
 * checks can()): {label, href} a link to the form's page, {label, form} a
 * button that brings an in-page form (the element or its id) into view and
 * focuses its first field, or {label, onClick}. Every list page uses this
 * one block.
 */
export function emptyState({ message, action, clear, id } = {}) {
  const actions = [];
  if (typeof clear === "string") actions.push(h("a", { href: clear, class: "button-quiet", dataset: { emptyClear: "" } }, "Clear filters"));
  else if (typeof clear === "function") {
    const b = h("button", { type: "button", class: "button-quiet", dataset: { emptyClear: "" } }, "Clear filters");
    b.addEventListener("click", clear);
    actions.push(b);
  }
  if (action && action.href) {
    actions.push(h("a", { href: action.href, class: "button", dataset: { emptyAction: "" } }, action.label));
  } else if (action && (action.form || action.onClick)) {
    const b = h("button", { type: "button", class: "button", dataset: { emptyAction: "" } }, action.label);
    b.addEventListener("click", (ev) => {
      if (action.onClick) return action.onClick(ev);
      const target = typeof action.form === "string" ? document.getElementById(action.form) : action.form;
      if (!target) return undefined;
      target.scrollIntoView({ block: "start" });
      const first = target.querySelector("input:not([type=hidden]), select, textarea, button");
      if (first) first.focus();
      return undefined;
    });
    actions.push(b);
  }
  return h(
    "div",
    { class: "empty-state", id, dataset: { empty: clear ? "filtered" : "none" } },
    h("p", { class: "empty" }, message),
    actions.length ? h("p", { class: "empty-actions" }, actions) : null,
  );
}

/** A page heading block; the h1 takes focus after navigation. */
export function pageHeader(title, ...actions) {
  return h(
    "div",
    { class: "page-head" },
    h("h1", { tabindex: "-1", id: "page-title" }, title),
    actions.length ? h("div", { class: "page-actions" }, actions) : null,
  );
}

/** Starts a download of `blob` as `filename`. */
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: filename, class: "visually-hidden" }, filename);
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** Follows a (presigned) URL so the browser downloads what it serves. */
export function followDownload(url) {
  const scheme = new URL(url, location.href).protocol;
  if (scheme !== "https:" && scheme !== "http:") throw new Error("The download link is not a web address.");
  const a = h("a", { href: url, rel: "noopener noreferrer", class: "visually-hidden" }, "download");
  document.body.append(a);
  a.click();
  a.remove();
}
