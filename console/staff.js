// People's records (the HR view: /employees), departments, and the company
// calendar. The directory searches by name or email and filters by
// department; a record is edited in place, with the API's field errors next
// to the fields; a person without a login is invited (the token is shown
// once); a person is registered as a leaver from their record.

import { api, listAll, can, user, scopeCompanyId, ApiError } from "./api.js";
import { h, mount, field, formValues, formAlert, submitting, pageHeader, sortableTable, announce, errorBlock, humanize, today, emptyState } from "./dom.js";

const ACCESS = ["standard", "elevated", "privileged"];
const REASONS = ["resignation", "dismissal", "redundancy", "retirement", "contract_end", "other"];
const WEEKDAYS = [
  ["mon", "Monday"],
  ["tue", "Tuesday"],
  ["wed", "Wednesday"],
  ["thu", "Thursday"],
  ["fri", "Friday"],
  ["sat", "Saturday"],
  ["sun", "Sunday"],
];

/** Only the fields with a value, for a create. */
function filled(values) {
  const out = {};
  for (const [k, v] of Object.entries(values)) if (v !== "" && v !== false) out[k] = v;
  return out;
}

async function departments() {
  try {
    return await listAll("/departments", {}, 1000);
  } catch {
    return [];
  }
}

function departmentOptions(list, none = "None") {
  return [["", none], ...list.map((d) => [d.id, d.sensitive ? `${d.name} (sensitive)` : d.name])];
}

/** `#/directory` */
export async function directoryPage({ query, go }) {
  const depts = await departments();
  const deptName = new Map(depts.map((d) => [d.id, d.name]));
  const mine = depts.filter((d) => d.manager_id === user().id);
  const admin = can("people");
  const listBox = h("div", { id: "directory-list", "aria-live": "polite" });
  const more = h("button", { type: "button", class: "button-quiet", hidden: true }, "Load more");
  let rows = [];
  let cursor = null;

  const search = h(
    "form",
    { class: "filters", role: "search", "aria-label": "Find people" },
    field({ name: "q", label: "Name or email starts with", value: query.get("q") || "", attrs: { type: "search" } }),
    field({
      name: "department_id",
      label: "Department",
      type: "select",
      value: query.get("department_id") || (admin ? "" : mine[0]?.id || ""),
      options: admin ? departmentOptions(depts, "All") : [["", "Only me"], ...mine.map((d) => [d.id, d.name])],
    }),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button-quiet" }, "Find")),
  );

  async function load(reset) {
    const v = formValues(search);
    if (reset) {
      rows = [];
      cursor = null;
    }
    more.disabled = true;
    try {
      const page = await api("GET", "/employees", { query: { ...filled(v), limit: 50, cursor } });
      rows = rows.concat(page.items);
      cursor = page.next_cursor;
      draw();
    } catch (e) {
      mount(listBox, errorBlock(e));
    } finally {
      more.disabled = false;
      more.hidden = !cursor;
    }
  }
  search.addEventListener("submit", (ev) => {
    ev.preventDefault();
    load(true);
  });
  more.addEventListener("click", () => load(false));

  function draw() {
    if (!rows.length) {
      const v = formValues(search);
      const filtered = !!v.q || (admin && !!v.department_id);
      const clear = () => {
        search.elements.q.value = "";
        if (admin) search.elements.department_id.value = "";
        load(true);
      };
      const importPeople = admin ? h("a", { href: "#/imports" }, "import them from a CSV") : null;
      mount(
        listBox,
        filtered
          ? emptyState({ message: "Nobody matches this search.", clear, action: admin ? { label: "Add a person", form: "add-record" } : null })
          : admin
            ? emptyState({ message: ["Nobody here yet. People appear here when you add them below or ", importPeople, "; invite them from their record so they can sign in."], action: { label: "Add a person", form: "add-record" } })
            : emptyState({ message: "Nobody here yet. People appear here when HR adds them to a department you manage." }),
      );
      return;
    }
    mount(
      listBox,
      sortableTable({
        caption: "People",
        rows,
        initial: { key: "name", dir: "ascending" },
        columns: [
          { key: "name", label: "Name", sort: (p) => p.full_name.toLowerCase(), render: (p) => h("a", { href: `#/directory/${encodeURIComponent(p.id)}` }, p.full_name) },
          { key: "email", label: "Email", sort: (p) => p.email, render: (p) => p.email },
          { key: "job", label: "Job title", sort: (p) => p.job_title || "", render: (p) => p.job_title || "–" },
          { key: "dept", label: "Department", sort: (p) => deptName.get(p.department_id) || "", render: (p) => deptName.get(p.department_id) || "–" },
          { key: "login", label: "Login", sort: (p) => (p.has_login ? 0 : 1), render: (p) => (p.has_login ? "Yes" : h("span", { class: "badge" }, "Not yet")) },
        ],
      }),
    );
  }

  const add = admin
    ? h(
        "form",
        { class: "card form grid", novalidate: true, id: "add-record", "aria-labelledby": "add-record-h" },
        h("h2", { id: "add-record-h" }, "Add a person"),
        formAlert(),
        field({ name: "full_name", label: "Full name", required: true, autocomplete: "off" }),
        field({ name: "email", label: "Email", type: "email", required: true, autocomplete: "off" }),
        field({ name: "department_id", label: "Department", type: "select", optional: true, options: departmentOptions(depts) }),
        field({ name: "job_title", label: "Job title", optional: true }),
        field({ name: "hourly_rate", label: "Hourly rate", optional: true, hint: "An amount such as 20.50.", attrs: { inputmode: "decimal" } }),
        field({ name: "start_date", label: "Start date", type: "date", optional: true }),
        h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Add person")),
      )
    : null;
  if (add) {
    let key = crypto.randomUUID();
    add.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const body = filled(formValues(add));
      submitting(add, async () => {
        const p = await api("POST", "/employees", { body, idempotent: key });
        key = crypto.randomUUID();
        announce(`${p.full_name} is added. Invite them from their record to give them a login.`);
        go(`/directory/${encodeURIComponent(p.id)}`);
      });
    });
  }

  await load(true);
  return h("section", {}, pageHeader("Directory"), h("div", { class: "stack" }, search, listBox, more, add));
}

/** `#/directory/{id}` */
export async function recordPage({ params, go }) {
  const [id] = params;
  let p = await api("GET", `/employees/${encodeURIComponent(id)}`);
  const depts = await departments();
  const admin = can("people");
  const own = p.id === user().id;
  const editable = admin && !own;
  const ownOnly = own;
  const box = h("div", { class: "stack" });

  function draw() {
    const ro = (name) => !(editable || (ownOnly && (name === "phone" || name === "emergency_contact")));
    const f = (spec) => field({ ...spec, attrs: { ...(spec.attrs || {}), disabled: ro(spec.name) || null } });
    const form = h(
      "form",
      { class: "card form grid", novalidate: true, id: "record", "aria-labelledby": "record-h" },
      h("h2", { id: "record-h" }, "Record"),
      formAlert(),
      f({ name: "full_name", label: "Full name", value: p.full_name }),
      field({ name: "email", label: "Email", value: p.email, attrs: { disabled: true } }),
      f({ name: "job_title", label: "Job title", value: p.job_title || "" }),
      f({ name: "department_id", label: "Department", type: "select", value: p.department_id || "", options: departmentOptions(depts) }),
      f({ name: "hourly_rate", label: "Hourly rate", value: p.hourly_rate || "", attrs: { inputmode: "decimal" } }),
      f({ name: "start_date", label: "Start date", type: "date", value: p.start_date || "" }),
      f({ name: "access_level", label: "Access level", type: "select", value: p.access_level, options: ACCESS.map((a) => [a, humanize(a)]) }),
      f({ name: "phone", label: "Phone", value: p.phone || "" }),
      f({ name: "emergency_contact", label: "Emergency contact", value: p.emergency_contact || "" }),
      editable || ownOnly ? h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Save")) : null,
    );
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const v = formValues(form);
      const body = { version: p.version };
      for (const [k, x] of Object.entries(v)) {
        if (ro(k)) continue;
        const before = p[k] ?? "";
        if (x !== before) body[k] = x === "" ? null : x;
      }
      if (body.full_name === null) body.full_name = "";
      submitting(form, async () => {
        p = await api("PATCH", `/employees/${encodeURIComponent(p.id)}`, { body });
        announce("Saved.");
        draw();
      });
    });

    const actions = [];
    if (admin && !own && !p.has_login) {
      const out = h("div", { id: "invitation", "aria-live": "polite" });
      const b = h("button", { type: "button", class: "button" }, "Invite");
      b.addEventListener("click", async () => {
        b.disabled = true;
        try {
          const inv = await api("POST", `/employees/${encodeURIComponent(p.id)}/invite`);
          const tokenId = "invitation-token";
          mount(
            out,
            h("p", {}, "Give this one-time invitation to the person; it is shown only now and is valid until ", h("time", { datetime: inv.expires_at }, new Date(inv.expires_at).toLocaleString()), "."),
            h("label", { for: tokenId }, "Invitation"),
            h("input", { id: tokenId, readonly: true, value: inv.token, class: "token" }),
          );
          announce(`${p.full_name} is invited.`);
        } catch (e) {
          announce(e instanceof ApiError ? e.message : String(e), "error");
        } finally {
          b.disabled = false;
        }
      });
      actions.push(h("div", { class: "card" }, h("h2", {}, "Login"), h("p", {}, `${p.full_name} has no login yet.`), b, out));
    }
    if (can("writeLeavers") && !own) {
      const lf = h(
        "form",
        { class: "card form compact", novalidate: true, id: "register-leaver", "aria-labelledby": "leaver-h" },
        h("h2", { id: "leaver-h" }, "Register as leaver"),
        h("p", { class: "hint" }, "Name, email, department and job title come from this record."),
        formAlert(),
        field({ name: "leave_date", label: "Leave date", type: "date", required: true, value: today(30) }),
        field({ name: "reason", label: "Reason", type: "select", required: true, options: REASONS.map((r) => [r, humanize(r)]) }),
        h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Register leaver")),
      );
      const key = crypto.randomUUID();
      lf.addEventListener("submit", (ev) => {
        ev.preventDefault();
        const v = formValues(lf);
        submitting(lf, async () => {
          const l = await api("POST", "/leavers", { body: { employee_id: p.id, ...v }, idempotent: key });
          announce(`${p.full_name} is registered as a leaver.`);
          go(`/leavers/${encodeURIComponent(l.id)}`);
        });
      });
      actions.push(lf);
    }
    if (can("forecast")) {
      actions.push(
        h(
          "div",
          { class: "card", id: "forecast-card" },
          h("h2", {}, "Cost forecast"),
          h("p", {}, h("a", { href: `#/people/${encodeURIComponent(p.id)}/forecast`, id: "forecast-link" }, `${p.full_name}'s monthly cost against their events, and next month's`)),
        ),
      );
    }
    mount(box, form, ...actions);
  }
  draw();
  return h("section", {}, pageHeader(p.full_name), box);
}

/** `#/me`: one's own record. */
export async function myRecordPage(ctx) {
  return recordPage({ ...ctx, params: [user().id] });
}

/** `#/departments` */
export async function departmentsPage() {
  let rows = await departments();
  let people = [];
  try {
    people = await listAll("/employees", {}, 1000);
  } catch {
    people = [];
  }
  const personName = new Map(people.map((p) => [p.id, p.full_name]));
  const listBox = h("div", { id: "departments-list", "aria-live": "polite" });

  function replace(d) {
    rows = rows.map((r) => (r.id === d.id ? d : r));
    draw();
  }

  function sensitiveCell(d) {
    const id = `sensitive-${d.id}`;
    const box = h("input", { type: "checkbox", id, checked: d.sensitive });
    box.addEventListener("change", async () => {
      box.disabled = true;
      try {
        replace(await api("PATCH", `/departments/${encodeURIComponent(d.id)}`, { body: { version: d.version, sensitive: box.checked } }));
        announce(`${d.name} is ${box.checked ? "" : "no longer "}sensitive.`);
      } catch (e) {
        box.checked = d.sensitive;
        box.disabled = false;
        announce(e instanceof ApiError ? e.message : String(e), "error");
      }
    });
    return h("span", { class: "inline-edit" }, box, h("label", { for: id }, "Sensitive", h("span", { class: "visually-hidden" }, `: ${d.name}`)));
  }

  function deleteCell(d) {
    const b = h("button", { type: "button", class: "button-quiet danger" }, "Delete", h("span", { class: "visually-hidden" }, ` ${d.name}`));
    b.addEventListener("click", async () => {
      if (!confirm(`Delete the department ${d.name}?`)) return;
      b.disabled = true;
      try {
        await api("DELETE", `/departments/${encodeURIComponent(d.id)}`);
        rows = rows.filter((r) => r.id !== d.id);
        announce(`${d.name} is deleted.`);
        draw();
      } catch (e) {
        b.disabled = false;
        announce(e instanceof ApiError ? e.message : String(e), "error");
      }
    });
    return b;
  }

  function draw() {
    if (!rows.length) {
      mount(
        listBox,
        emptyState({
          message: "No departments yet. Departments appear here when you add them below; mark the sensitive ones (finance, legal, research) so their leavers carry more risk.",
          action: { label: "Add a department", form: "add-department" },
        }),
      );
      return;
    }
    mount(
      listBox,
      sortableTable({
        caption: "Departments",
        rows,
        initial: { key: "name", dir: "ascending" },
        columns: [
          { key: "name", label: "Name", sort: (d) => d.name.toLowerCase(), render: (d) => h("a", { href: `#/directory?department_id=${encodeURIComponent(d.id)}` }, d.name) },
          { key: "sensitive", label: "Sensitive", sort: (d) => (d.sensitive ? 0 : 1), render: sensitiveCell },
          { key: "manager", label: "Manager", sort: (d) => personName.get(d.manager_id) || "", render: (d) => personName.get(d.manager_id) || "–" },
          { key: "people", label: "People", sort: (d) => d.people, render: (d) => String(d.people) },
          { key: "delete", label: "Delete", render: deleteCell },
        ],
      }),
    );
  }

  const form = h(
    "form",
    { class: "card form compact", novalidate: true, id: "add-department", "aria-labelledby": "add-dept-h" },
    h("h2", { id: "add-dept-h" }, "Add a department"),
    formAlert(),
    field({ name: "name", label: "Name", required: true, autocomplete: "off" }),
    field({ name: "manager_id", label: "Manager", type: "select", optional: true, options: [["", "None"], ...people.map((p) => [p.id, p.full_name])] }),
    field({ name: "sensitive", label: "Sensitive (its leavers carry more risk)", type: "checkbox" }),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Add department")),
  );
  let key = crypto.randomUUID();
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    const body = { name: v.name, sensitive: v.sensitive };
    if (v.manager_id) body.manager_id = v.manager_id;
    submitting(form, async () => {
      const d = await api("POST", "/departments", { body, idempotent: key });
      key = crypto.randomUUID();
      // The first department may have brought the old sensitive list along.
      rows = await departments();
      announce(`${d.name} is added.`);
      form.reset();
      draw();
    });
  });
  draw();
  return h("section", {}, pageHeader("Departments"), h("div", { class: "stack" }, listBox, form));
}

/** "09:00–12:00, 13:00–17:30" ⇄ ["09:00", "12:00", "13:00", "17:30"]. */
function spansText(times) {
  const out = [];
  for (let i = 0; i + 1 < times.length; i += 2) out.push(`${times[i]}-${times[i + 1]}`);
  return out.join(", ");
}
function spansList(text) {
  return text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .flatMap((s) => s.split(/[-–]/).map((t) => t.trim()));
}

/** `#/company`: the company's name and calendar. */
export async function companyPage() {
  const id = scopeCompanyId() || user().company_id;
  let c = await api("GET", `/companies/${encodeURIComponent(id)}`);
  const box = h("div", { class: "stack" });

  function draw() {
    const form = h(
      "form",
      { class: "card form grid", novalidate: true, id: "calendar", "aria-labelledby": "calendar-h" },
      h("h2", { id: "calendar-h" }, "Calendar"),
      h(
        "p",
        { class: "hint" },
        "SLA clocks, after-hours signals and payroll weeks use this calendar. Hours are spans such as 09:00-12:30, 13:00-17:30; leave a day empty for a day off; past midnight, end the day at 24:00 and start the next at 00:00.",
      ),
      formAlert(),
      field({ name: "name", label: "Company name", value: c.name }),
      field({ name: "time_zone", label: "Time zone", value: c.time_zone, hint: "An IANA name, such as Europe/Berlin or America/St_Johns." }),
      ...WEEKDAYS.map(([d, label]) =>
        field({ name: `working_hours.${d}`, label: `${label} hours`, value: spansText(c.working_hours[d] || []) }),
      ),
      field({ name: "holidays", label: "Holidays", type: "textarea", wide: true, value: c.holidays.join("\n"), hint: "One date per line, as YYYY-MM-DD." }),
      // Payroll's rules, once the API has them.
      "overtime_rule" in c
        ? field({
            name: "overtime_rule",
            label: "Overtime rule",
            type: "select",
            value: c.overtime_rule,
            options: [
              ["weekly", "Weekly: over 40 hours a week"],
              ["daily_and_weekly", "Daily and weekly: over 8 hours a day or 40 a week, double time over 12 a day"],
            ],
          })
        : null,
      "rounding_minutes" in c
        ? field({
            name: "rounding_minutes",
            label: "Round shifts to",
            type: "select",
            value: String(c.rounding_minutes),
            options: [
              ["0", "No rounding"],
              ["5", "The nearest 5 minutes"],
              ["6", "The nearest 6 minutes (a tenth of an hour)"],
              ["15", "The nearest 15 minutes"],
            ],
          })
        : null,
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Save calendar")),
    );
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const v = formValues(form);
      const working_hours = {};
      for (const [d] of WEEKDAYS) working_hours[d] = spansList(v[`working_hours.${d}`]);
      const holidays = v.holidays.split(/\s+/).filter(Boolean);
      const body = { version: c.version, name: v.name, time_zone: v.time_zone, working_hours, holidays };
      if ("overtime_rule" in c) body.overtime_rule = v.overtime_rule;
      if ("rounding_minutes" in c) body.rounding_minutes = Number(v.rounding_minutes);
      await submitting(form, async () => {
        try {
          c = await api("PATCH", `/companies/${encodeURIComponent(c.id)}`, { body });
        } catch (e) {
          // `working_hours.mon[1]` and `holidays[3]` belong to one field each.
          if (e instanceof ApiError && e.errors) e.errors = e.errors.map((fe) => ({ ...fe, field: fe.field.replace(/\[\d+\]$/, "") }));
          throw e;
        }
        announce("The calendar is saved.");
        draw();
      });
    });
    mount(box, form);
  }
  draw();
  return h("section", {}, pageHeader("Company"), box);
}
