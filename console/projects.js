// Projects and their tasks: the list with a create form, a project's page
// (edit, tasks, history), and "My tasks" (every role). Also the people
// picker the leaver page's hand-over uses. All user text is rendered as
// text (dom.js builds no HTML from strings).

import { api, can, listAll, user, ApiError } from "./api.js";
import { h, mount, field, formValues, formAlert, submitting, pageHeader, fmtDate, fmtTime, humanize, statusBadge, announce, table, emptyState } from "./dom.js";

const STATUSES = ["todo", "in_progress", "done"];

/**
 * The people the signed-in user may pick: everyone active for owner, HR
 * and admin; a manager's own departments; otherwise only oneself.
 * Returns [{id, label}], oneself included and first.
 */
export async function pickablePeople() {
  const me = user();
  const out = new Map([[me.id, `${me.full_name} (me)`]]);
  try {
    let people = [];
    if (can("people")) {
      people = await listAll("/employees", { active: "true" }, 1000);
    } else if (me.role === "manager") {
      const depts = (await listAll("/departments", {}, 1000)).filter((d) => d.manager_id === me.id);
      for (const d of depts) people.push(...(await listAll("/employees", { department_id: d.id }, 1000)));
    }
    for (const p of people) {
      if (p.active === false || out.has(p.id)) continue;
      out.set(p.id, p.email ? `${p.full_name} (${p.email})` : p.full_name);
    }
  } catch {
    // Only oneself, then.
  }
  return [...out].map(([id, label]) => ({ id, label }));
}

function statusSelect(task, onChange, idPrefix = "task-status") {
  const id = `${idPrefix}-${task.id}`;
  const select = h(
    "select",
    { id, dataset: { task: task.id } },
    STATUSES.map((s) => h("option", { value: s, selected: task.status === s }, humanize(s))),
  );
  select.addEventListener("change", () => onChange(select));
  return h("span", { class: "inline-control" }, h("label", { for: id, class: "visually-hidden" }, `Status of ${task.title}`), select);
}

/** Changes a task (PATCH with its version); returns the new task or null. */
async function patchTask(task, body, control) {
  control.disabled = true;
  try {
    const t = await api("PATCH", `/projects/${encodeURIComponent(task.project_id)}/tasks/${encodeURIComponent(task.id)}`, {
      body: { version: task.version, ...body },
    });
    return t;
  } catch (e) {
    announce(e instanceof ApiError && e.status === 409 ? "The task changed meanwhile; reload the page." : e.message, "error");
    return null;
  } finally {
    control.disabled = false;
  }
}

/** `#/projects` */
export async function projectsPage({ go }) {
  const projects = (await listAll("/projects", {}, 500)).sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
  const form = h(
    "form",
    { class: "card form", novalidate: true, id: "new-project", "aria-label": "New project" },
    h("h2", {}, "New project"),
    formAlert(),
    field({ name: "name", label: "Name", required: true, autocomplete: "off" }),
    field({ name: "description", label: "Description", type: "textarea", optional: true }),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Create project")),
  );
  const key = crypto.randomUUID();
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    const body = { name: v.name };
    if (v.description) body.description = v.description;
    submitting(form, async () => {
      const p = await api("POST", "/projects", { body, idempotent: key });
      announce(`Project ${p.name} created.`);
      go(`/projects/${encodeURIComponent(p.id)}`);
    });
  });
  const list = h(
    "div",
    { id: "project-list" },
    projects.length
      ? table({
          caption: "Projects, newest first",
          columns: [
            { label: "Name", render: (p) => h("a", { href: `#/projects/${encodeURIComponent(p.id)}` }, p.name) },
            { label: "Description", render: (p) => p.description || "–" },
            { label: "Created", render: (p) => fmtTime(p.created_at) },
          ],
          rows: projects,
        })
      : emptyState({ message: "No projects yet. Projects appear here when someone creates one; you see those you own or have a task in.", action: { label: "Create a project", form: "new-project" } }),
  );
  return h("section", {}, pageHeader("Projects"), list, form);
}

/** `#/projects/{id}` */
export async function projectPage({ params, refresh }) {
  const id = params[0];
  const path = `/projects/${encodeURIComponent(id)}`;
  const [project, tasks, people] = await Promise.all([api("GET", path), listAll(`${path}/tasks`, {}, 1000), pickablePeople()]);
  const names = new Map(people.map((p) => [p.id, p.label]));
  const who = (uid) => (uid ? names.get(uid) || uid : "–");

  const edit = h(
    "form",
    { class: "card form", novalidate: true, id: "edit-project", "aria-label": "Edit the project" },
    h("h2", {}, "Details"),
    formAlert(),
    field({ name: "name", label: "Name", required: true, value: project.name, autocomplete: "off" }),
    field({ name: "description", label: "Description", type: "textarea", optional: true, value: project.description || "" }),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Save project")),
  );
  edit.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = formValues(edit);
    const body = { version: project.version, name: v.name };
    if (v.description) body.description = v.description;
    submitting(edit, async () => {
      await api("PUT", path, { body });
      announce("Project saved.");
      refresh();
    });
  });

  const taskBox = h("div", { id: "task-list", "aria-live": "polite" });
  function drawTasks() {
    if (!tasks.length) {
      mount(taskBox, emptyState({ message: "No tasks yet. Tasks appear here when someone adds one to this project.", action: { label: "Add a task", form: "add-task" } }));
      return;
    }
    mount(
      taskBox,
      table({
        caption: "Tasks, oldest first",
        columns: [
          { label: "Task", render: (t) => h("span", { dataset: { title: t.id } }, t.title) },
          { label: "Assignee", render: (t) => assignControl(t) },
          { label: "Due", render: (t) => (t.due_date ? h("time", { datetime: t.due_date }, fmtDate(t.due_date)) : "–") },
          {
            label: "Status",
            render: (t) =>
              statusSelect(t, async (sel) => {
                const fresh = await patchTask(t, { status: sel.value }, sel);
                if (fresh) {
                  tasks[tasks.indexOf(t)] = fresh;
                  announce(`${fresh.title}: ${humanize(fresh.status)}.`);
                  drawTasks();
                } else sel.value = t.status;
              }),
          },
        ],
        rows: tasks,
      }),
    );
  }
  function assignControl(t) {
    if (people.length < 2) return who(t.assignee_id);
    const sid = `task-assignee-${t.id}`;
    const options = [["", "Nobody"], ...people.map((p) => [p.id, p.label])];
    if (t.assignee_id && !names.has(t.assignee_id)) options.push([t.assignee_id, t.assignee_id]);
    const sel = h("select", { id: sid }, options.map(([v, l]) => h("option", { value: v, selected: (t.assignee_id || "") === v }, l)));
    sel.addEventListener("change", async () => {
      const fresh = await patchTask(t, { assignee_id: sel.value || null }, sel);
      if (fresh) {
        tasks[tasks.indexOf(t)] = fresh;
        announce(`${fresh.title}: assigned to ${who(fresh.assignee_id)}.`);
        drawTasks();
      } else sel.value = t.assignee_id || "";
    });
    return h("span", { class: "inline-control" }, h("label", { for: sid, class: "visually-hidden" }, `Assignee of ${t.title}`), sel);
  }
  drawTasks();

  const add = h(
    "form",
    { class: "form grid", novalidate: true, id: "add-task", "aria-label": "Add a task" },
    formAlert(),
    field({ name: "title", label: "Title", required: true, autocomplete: "off" }),
    field({ name: "assignee_id", label: "Assignee", type: "select", optional: true, options: [["", "Nobody"], ...people.map((p) => [p.id, p.label])] }),
    field({ name: "due_date", label: "Due date", type: "date", optional: true }),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Add task")),
  );
  add.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = formValues(add);
    const body = {};
    for (const [k, x] of Object.entries(v)) if (x !== "") body[k] = x;
    submitting(add, async () => {
      const t = await api("POST", `${path}/tasks`, { body, idempotent: true });
      tasks.push(t);
      drawTasks();
      add.reset();
      announce(`Task ${t.title} added.`);
    });
  });

  const history = h(
    "section",
    { class: "card", "aria-labelledby": "project-history-h" },
    h("h2", { id: "project-history-h" }, "History"),
    h(
      "ol",
      { class: "timeline", id: "project-history" },
      (project.history || []).map((e) =>
        h("li", {}, h("time", { datetime: e.at }, fmtTime(e.at)), " ", humanize(e.action), " by ", who(e.actor), detailText(e.detail, who) ? h("span", { class: "muted" }, ` (${detailText(e.detail, who)})`) : null),
      ),
    ),
  );

  return h(
    "section",
    { class: "project" },
    h("p", { class: "crumbs" }, h("a", { href: "#/projects" }, "Projects")),
    pageHeader(project.name),
    project.description ? h("p", { class: "lede", id: "project-description" }, project.description) : null,
    h("p", { class: "muted" }, `Owner: ${who(project.owner_id)}`),
    h("section", { class: "card", "aria-labelledby": "tasks-h" }, h("h2", { id: "tasks-h" }, "Tasks"), taskBox, h("h3", {}, "Add a task"), add),
    edit,
    history,
  );
}

/** `#/tasks`: the signed-in person's open tasks, by due date. */
export async function myTasksPage() {
  const tasks = await listAll("/tasks", { assignee_id: "me" }, 500);
  const box = h("div", { id: "my-tasks", "aria-live": "polite" });
  function draw() {
    if (!tasks.length) {
      mount(box, emptyState({ message: "You have no open tasks. Tasks appear here when someone assigns you one in a project.", action: { label: "See projects", href: "#/projects" } }));
      return;
    }
    mount(
      box,
      table({
        caption: "My open tasks, by due date",
        columns: [
          { label: "Task", render: (t) => h("span", {}, t.title, t.description ? h("span", { class: "muted" }, ` – ${t.description}`) : null) },
          { label: "Due", render: (t) => (t.due_date ? h("time", { datetime: t.due_date }, fmtDate(t.due_date)) : "–") },
          {
            label: "Status",
            render: (t) =>
              t.status === "done"
                ? statusBadge("done")
                : statusSelect(
                    t,
                    async (sel) => {
                      const fresh = await patchTask(t, { status: sel.value }, sel);
                      if (fresh) {
                        tasks[tasks.indexOf(t)] = fresh;
                        announce(`${fresh.title}: ${humanize(fresh.status)}.`);
                        draw();
                      } else sel.value = t.status;
                    },
                    "my-task-status",
                  ),
          },
        ],
        rows: tasks,
      }),
    );
  }
  draw();
  return h("section", {}, pageHeader("My tasks"), box);
}

/** A history entry's detail map as "key: value" text (people by name). */
function detailText(detail, who) {
  if (!detail || typeof detail !== "object") return "";
  return Object.entries(detail)
    .map(([k, v]) => `${humanize(k)}: ${/^(assignee|owner|from|to|owner_id|assignee_id)$/.test(k) ? who(v) : v}`)
    .join(", ");
}
