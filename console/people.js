// People: the company's users (the access view), creating one, changing a
// role (owners and admins) and activating or deactivating (owners, HR for
// unprotected roles, admins).

import { api, can, user, grantableRoles, ApiError } from "./api.js";
import { h, mount, field, formValues, formAlert, submitting, pageHeader, sortableTable, fmtDate, roleName, announce, errorBlock, emptyState } from "./dom.js";

const ROLES = ["admin", "owner", "hr", "security", "manager", "technician", "employee"];
const PROTECTED = new Set(["admin", "owner", "hr", "security"]);

function mayChangeStatus(target) {
  const me = user();
  if (target.id === me.id) return false;
  if (me.role === "admin") return true;
  if (me.role === "owner") return target.role !== "admin";
  if (me.role === "hr") return !PROTECTED.has(target.role);
  return false;
}

function mayChangeRole(target) {
  const me = user();
  if (target.id === me.id || !can("changeRoles")) return false;
  return me.role === "admin" || target.role !== "admin";
}

/** `#/people` */
export async function peoplePage() {
  const me = user();
  const listBox = h("div", { id: "people-list", "aria-live": "polite" });
  let rows = [];
  let cursor = null;
  const more = h("button", { type: "button", class: "button-quiet", hidden: true }, "Load more");

  async function load(reset) {
    if (reset) {
      rows = [];
      cursor = null;
    }
    more.disabled = true;
    try {
      const page = await api("GET", "/auth/admin/users", { query: { limit: 100, cursor } });
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
  more.addEventListener("click", () => load(false));

  function replace(updated) {
    rows = rows.map((r) => (r.id === updated.id ? updated : r));
    draw();
  }

  function roleCell(u) {
    if (!mayChangeRole(u)) return h("span", { class: "role", dataset: { role: u.role } }, roleName(u.role));
    const id = `role-${u.id}`;
    const choices = ROLES.filter((r) => r !== "admin" || me.role === "admin");
    const select = h("select", { id, dataset: { roleFor: u.email } }, choices.map((r) => h("option", { value: r, selected: r === u.role }, roleName(r))));
    const save = h("button", { type: "button", class: "button-quiet" }, "Change", h("span", { class: "visually-hidden" }, ` the role of ${u.full_name}`));
    save.addEventListener("click", async () => {
      if (select.value === u.role) return;
      save.disabled = true;
      try {
        const updated = await api("PATCH", `/auth/admin/users/${encodeURIComponent(u.id)}/role`, { body: { role: select.value, version: u.version } });
        announce(`${u.full_name} is now ${updated.role}.`);
        replace(updated);
      } catch (e) {
        announce(e.message, "error");
        save.disabled = false;
      }
    });
    return h("span", { class: "inline-edit" }, h("label", { for: id, class: "visually-hidden" }, `Role of ${u.full_name}`), select, save);
  }

  function statusCell(u) {
    const text = h("span", { class: `badge status-${u.active ? "active" : "inactive"}` }, u.active ? "Active" : "Deactivated");
    if (!mayChangeStatus(u)) return text;
    const b = h("button", { type: "button", class: u.active ? "button-quiet danger" : "button-quiet", dataset: { statusFor: u.email } }, u.active ? "Deactivate" : "Activate", h("span", { class: "visually-hidden" }, ` ${u.full_name}`));
    b.addEventListener("click", async () => {
      if (u.active && !confirm(`Deactivate ${u.full_name}? They are signed out at once.`)) return;
      b.disabled = true;
      try {
        const updated = await api("PATCH", `/auth/admin/users/${encodeURIComponent(u.id)}/status`, { body: { active: !u.active, version: u.version } });
        announce(`${u.full_name} is ${updated.active ? "active" : "deactivated"}.`);
        replace(updated);
      } catch (e) {
        announce(e instanceof ApiError ? e.message : String(e), "error");
        b.disabled = false;
      }
    });
    return h("span", { class: "inline-edit" }, text, b);
  }

  function draw() {
    if (!rows.length) {
      mount(listBox, emptyState({ message: "No accounts yet. People appear here when you add them below, or when someone accepts an invitation from the directory.", action: { label: "Add a person", form: "create-user" } }));
      return;
    }
    mount(listBox,
      sortableTable({
        caption: "People with access",
        rows,
        initial: { key: "name", dir: "ascending" },
        columns: [
          { key: "name", label: "Name", sort: (u) => u.full_name.toLowerCase(), render: (u) => h("span", {}, u.full_name, u.id === me.id ? h("span", { class: "muted" }, " (you)") : null) },
          { key: "email", label: "Email", sort: (u) => u.email, render: (u) => u.email },
          { key: "role", label: "Role", sort: (u) => u.role, render: roleCell },
          { key: "active", label: "Status", sort: (u) => (u.active ? 0 : 1), render: statusCell },
          { key: "created", label: "Since", sort: (u) => u.created_at, render: (u) => h("time", { datetime: u.created_at }, fmtDate(u.created_at)) },
          { key: "docs", label: "Documents", render: (u) => (can("othersDocuments") ? h("a", { href: `#/documents?employee=${encodeURIComponent(u.id)}` }, "Documents", h("span", { class: "visually-hidden" }, ` of ${u.full_name}`)) : "–") },
        ],
      }),
    );
  }

  const form = h(
    "form",
    { class: "card form compact", novalidate: true, "aria-labelledby": "create-h", id: "create-user" },
    h("h2", { id: "create-h" }, "Add a person"),
    formAlert(),
    field({ name: "full_name", label: "Full name", required: true, autocomplete: "off" }),
    field({ name: "email", label: "Email", type: "email", required: true, autocomplete: "off" }),
    field({ name: "role", label: "Role", type: "select", required: true, value: "employee", options: grantableRoles().map((r) => [r, roleName(r)]) }),
    field({
      name: "password",
      label: "Initial password",
      type: "password",
      required: true,
      autocomplete: "new-password",
      hint: "At least 12 characters. Share it with the person privately.",
    }),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Add person")),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    submitting(form, async () => {
      const created = await api("POST", "/auth/admin/users", { body: v, idempotent: true });
      announce(`${created.full_name} can now sign in as ${created.role}.`);
      form.reset();
      rows.push(created);
      draw();
    });
  });

  await load(true);
  return h("section", {}, pageHeader("People"), h("div", { class: "stack" }, form, listBox, more));
}
