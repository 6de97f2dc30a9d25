// The Tenure console: the shell (header, navigation, sign-in and sign-up)
// and the hash router. Each page lives in its own module, loaded when first
// visited. Plain ES modules, no build step; every file is served by the
// console function from /assets/ (shared/src/api/console.rs, ASSETS).

import * as session from "./api.js";
import { h, mount, field, formValues, formAlert, submitting, pageHeader, announce, errorBlock, roleName } from "./dom.js";

/** Pages: hash path pattern, who may open them, and their module. */
const PAGES = [
  { name: "overview", label: "Overview", re: /^\/overview$/, cap: null, load: () => import("./overview.js"), fn: "overviewPage" },
  { name: "leavers", label: "Leavers", re: /^\/leavers$/, cap: "leavers", load: () => import("./leavers.js"), fn: "listPage" },
  { re: /^\/leavers\/new$/, cap: "writeLeavers", nav: "leavers", load: () => import("./leavers.js"), fn: "newPage" },
  { re: /^\/leavers\/([^/]+)$/, cap: "leavers", nav: "leavers", load: () => import("./leavers.js"), fn: "leaverPage" },
  { name: "alerts", label: "Alerts", re: /^\/alerts$/, cap: "alerts", load: () => import("./alerts.js"), fn: "alertsPage" },
  { name: "tickets", label: () => (session.can("workTickets") ? "Tickets" : "My tickets"), re: /^\/tickets$/, cap: null, load: () => import("./tickets.js"), fn: "ticketsPage" },
  { re: /^\/tickets\/new$/, cap: null, nav: "tickets", load: () => import("./tickets.js"), fn: "newTicketPage" },
  { re: /^\/tickets\/([^/]+)$/, cap: null, nav: "tickets", load: () => import("./tickets.js"), fn: "ticketPage" },
  { re: /^\/sla$/, cap: "slaPolicies", nav: "tickets", load: () => import("./tickets.js"), fn: "slaPage" },
  { name: "documents", label: "Documents", re: /^\/documents$/, cap: null, load: () => import("./documents.js"), fn: "documentsPage" },
  { name: "projects", label: "Projects", re: /^\/projects$/, cap: null, load: () => import("./projects.js"), fn: "projectsPage" },
  { re: /^\/projects\/([^/]+)$/, cap: null, nav: "projects", load: () => import("./projects.js"), fn: "projectPage" },
  { name: "tasks", label: "My tasks", re: /^\/tasks$/, cap: null, load: () => import("./projects.js"), fn: "myTasksPage" },
  { name: "time", label: "Time", re: /^\/time$/, cap: null, load: () => import("./time.js"), fn: "timePage" },
  { re: /^\/time\/team$/, cap: "teamTime", nav: "time", load: () => import("./time.js"), fn: "teamPage" },
  { name: "events", label: "Events", re: /^\/events$/, cap: null, load: () => import("./time.js"), fn: "eventsPage" },
  { name: "payroll", label: "Payroll", re: /^\/payroll$/, cap: "payroll", load: () => import("./time.js"), fn: "payrollPage" },
  { re: /^\/people\/([^/]+)\/forecast$/, cap: "forecast", nav: "directory", load: () => import("./time.js"), fn: "forecastPage" },
  { name: "people", label: "People", re: /^\/people$/, cap: "people", load: () => import("./people.js"), fn: "peoplePage" },
  { name: "directory", label: "Directory", re: /^\/directory$/, cap: "directory", load: () => import("./staff.js"), fn: "directoryPage" },
  { re: /^\/directory\/([^/]+)$/, cap: null, nav: "directory", load: () => import("./staff.js"), fn: "recordPage" },
  { name: "departments", label: "Departments", re: /^\/departments$/, cap: "people", load: () => import("./staff.js"), fn: "departmentsPage" },
  { name: "imports", label: "Imports", re: /^\/imports$/, cap: "imports", load: () => import("./imports.js"), fn: "importsPage" },
  { re: /^\/imports\/([^/]+)$/, cap: "imports", nav: "imports", load: () => import("./imports.js"), fn: "importPage" },
  { name: "company", label: "Company", re: /^\/company$/, cap: "company", load: () => import("./staff.js"), fn: "companyPage" },
  { name: "audit", label: "Audit", re: /^\/audit$/, cap: "audit", load: () => import("./audit.js"), fn: "auditPage" },
  { name: "me", label: "My record", re: /^\/me$/, cap: null, load: () => import("./staff.js"), fn: "myRecordPage" },
];

const main = document.getElementById("main");
const header = document.getElementById("top");
let flash = null;
let renderSeq = 0;

function allowed(page) {
  return page.cap === null || session.can(page.cap);
}

/** Every role's start page: the overview (`#/` opens it too). */
function homePath() {
  return "/overview";
}

export function go(path) {
  const target = `#${path}`;
  if (location.hash === target) route();
  else location.hash = target;
}

function parseHash() {
  const raw = location.hash.startsWith("#/") ? location.hash.slice(1) : "/";
  const [path, qs] = raw.split("?");
  return { path: decodeURI(path), query: new URLSearchParams(qs || "") };
}

function drawHeader(current) {
  const user = session.user();
  if (!user) {
    mount(header, h("div", { class: "topbar-inner" }, h("a", { class: "brand", href: "#/signin" }, "Tenure")));
    return;
  }
  const links = PAGES.filter((p) => p.name && allowed(p)).map((p) => {
    const a = h("a", { href: `#/${p.name}`, "aria-current": current === p.name ? "page" : null, dataset: { nav: p.name } }, typeof p.label === "function" ? p.label() : p.label);
    // The page you are on, chosen again: load it afresh.
    a.addEventListener("click", (ev) => {
      if (location.hash === `#/${p.name}`) {
        ev.preventDefault();
        route();
      }
    });
    return h("li", {}, a);
  });
  const signOut = h("button", { type: "button", class: "button-quiet", id: "sign-out" }, "Sign out");
  signOut.addEventListener("click", async () => {
    signOut.disabled = true;
    await session.logout();
  });
  const menuId = "main-nav";
  const toggle = h("button", { type: "button", class: "nav-toggle", "aria-expanded": "false", "aria-controls": menuId }, "Menu");
  const nav = h("nav", { id: menuId, class: "nav", "aria-label": "Main" }, h("ul", {}, links));
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-expanded") !== "true";
    toggle.setAttribute("aria-expanded", String(open));
    nav.classList.toggle("open", open);
  });
  mount(
    header,
    h(
      "div",
      { class: "topbar-inner" },
      h("a", { class: "brand", href: `#${homePath()}` }, "Tenure"),
      toggle,
      nav,
      h(
        "div",
        { class: "who" },
        session.can("companies") ? companyPicker() : clockSlot(),
        h("span", { class: "who-name" }, user.full_name, " ", h("span", { class: "role", dataset: { role: user.role } }, roleName(user.role))),
        signOut,
      ),
    ),
  );
}

/** The compact clock-in control (time.js draws it once it is loaded). */
function clockSlot() {
  const slot = h("span", { class: "header-clock", id: "header-clock" });
  import("./time.js")
    .then((m) => m.headerClock(slot))
    .catch(() => {});
  return slot;
}

/** A platform admin works in one company at a time (`?company_id=`). */
function companyPicker() {
  const id = "company-scope";
  const select = h("select", { id }, h("option", { value: "" }, "Platform"));
  session
    .listAll("/companies", {}, 300, { scoped: false })
    .then((companies) => {
      for (const c of companies) select.append(h("option", { value: c.id, selected: c.id === session.scopeCompanyId() }, c.name));
    })
    .catch(() => {});
  select.addEventListener("change", () => {
    session.setScopeCompany(select.value);
    route();
  });
  return h("span", { class: "scope" }, h("label", { for: id, class: "visually-hidden" }, "Company"), select);
}

async function route() {
  const seq = ++renderSeq;
  const { path, query } = parseHash();
  const user = session.user();
  if (!user) {
    drawHeader(null);
    if (path === "/signup") return show(seq, signupPage, "Create a company");
    return show(seq, signinPage, "Sign in");
  }
  if (path === "/signin" || path === "/signup" || path === "/") return go(homePath());
  const page = PAGES.find((p) => p.re.test(path));
  drawHeader(page ? page.name || page.nav : null);
  if (!page) return show(seq, () => notFound("There is no such page."), "Not found");
  if (!allowed(page)) return show(seq, () => notFound("Your role cannot open this page."), "Not allowed");
  const params = path.match(page.re).slice(1).map(decodeURIComponent);
  mount(main, h("p", { class: "loading", role: "status" }, "Loading…"));
  try {
    const mod = await loadPage(page);
    if (seq !== renderSeq) return;
    const node = await mod[page.fn]({ params, query, go, refresh: route });
    if (seq !== renderSeq) return;
    place(node);
  } catch (e) {
    if (seq !== renderSeq) return;
    if (!session.user()) return;
    place(h("section", {}, pageHeader("Something went wrong"), errorBlock(e)));
  }
}

/**
 * A page's module. A module the infrastructure failed to serve (a cold or
 * restarting function answers 5xx; the browser says TypeError) is fetched
 * again, twice, after a short pause, as api() repeats such reads: the
 * browser fetches a failed module afresh on the next import.
 */
async function loadPage(page) {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await page.load();
    } catch (e) {
      if (attempt > 2 || !(e instanceof TypeError)) throw e;
      await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    }
  }
}

async function show(seq, build) {
  const node = await build();
  if (seq === renderSeq) place(node);
}

function place(node) {
  mount(main, node);
  if (flash) {
    const f = flash;
    flash = null;
    main.prepend(h("div", { class: `flash flash-${f.kind}`, role: f.kind === "error" ? "alert" : "status" }, f.text));
  }
  const title = main.querySelector("h1");
  document.title = title ? `${title.textContent} · Tenure` : "Tenure";
  // Move focus to the new page's heading so keyboard and screen reader
  // users start at the top of what changed.
  if (title) title.focus();
}

function notFound(message) {
  return h("section", {}, pageHeader("Not available"), h("p", {}, message), h("p", {}, h("a", { href: `#${homePath()}` }, "Go to your start page")));
}

function signinPage() {
  const form = h(
    "form",
    { class: "card form", novalidate: true, "aria-labelledby": "page-title" },
    formAlert(),
    field({ name: "email", label: "Email", type: "email", required: true, autocomplete: "username" }),
    field({ name: "password", label: "Password", type: "password", required: true, autocomplete: "current-password" }),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Sign in")),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    submitting(form, async () => {
      await session.login(v.email, v.password);
    });
  });
  return h(
    "section",
    { class: "auth-page" },
    pageHeader("Sign in to Tenure"),
    h("p", { class: "lede" }, "Leavers, their risk and the evidence behind it, in one place."),
    form,
    h("p", {}, "New to Tenure? ", h("a", { href: "#/signup" }, "Create a company")),
  );
}

function signupPage() {
  const form = h(
    "form",
    { class: "card form", novalidate: true, "aria-labelledby": "page-title" },
    formAlert(),
    field({ name: "full_name", label: "Your name", required: true, autocomplete: "name" }),
    field({ name: "company_name", label: "Company", required: true, autocomplete: "organization" }),
    field({ name: "email", label: "Work email", type: "email", required: true, autocomplete: "email" }),
    field({
      name: "password",
      label: "Password",
      type: "password",
      required: true,
      autocomplete: "new-password",
      hint: "At least 12 characters; a passphrase of several words works well.",
      attrs: { minlength: 12 },
    }),
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Create company")),
  );
  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    const v = formValues(form);
    submitting(form, async () => {
      await session.signup({ email: v.email, password: v.password, full_name: v.full_name, company_name: v.company_name });
      announce("Your company is ready. You are its owner.");
    });
  });
  return h(
    "section",
    { class: "auth-page" },
    pageHeader("Create a company"),
    h("p", { class: "lede" }, "You become the company's owner and can invite HR and security colleagues."),
    form,
    h("p", {}, "Already have an account? ", h("a", { href: "#/signin" }, "Sign in")),
  );
}

session.onSessionChange((user, reason) => {
  if (!user) {
    if (reason === "expired") flash = { kind: "error", text: "Your session has ended. Please sign in again." };
    if (reason === "signed-out") flash = { kind: "info", text: "You are signed out." };
    if (location.hash !== "#/signin") location.hash = "#/signin";
    else route();
    return;
  }
  if (reason === "signed-in") {
    const { path } = parseHash();
    if (path === "/signin" || path === "/signup" || path === "/") go(homePath());
    else route();
  }
});

window.addEventListener("hashchange", route);

document.getElementById("skip-link").addEventListener("click", (ev) => {
  ev.preventDefault();
  main.focus();
});

(async () => {
  const resumed = await session.resume();
  if (!resumed) route();
})();
