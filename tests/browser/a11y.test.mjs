// Accessibility as a test: axe-core (npm, pinned in package.json) on every
// page of the console, in Debian's chromium driven by playwright-core. Run
// by scripts/browser-tests.sh after console.test.mjs, on the same stack
// (BASE_URL); plain node, no framework.
//
// A company of its own is set up through the API (an owner, a manager, an
// employee in the manager's department with last week's shifts, a leaver,
// a ticket, a project with a task, a package and an event, a document and
// a checked import), so that every page shows its lists, tables and charts
// rather than empty states. Then every route of the console's router
// (console/app.js, PAGES), parameterised ones with real ids, is opened as
// the owner, the pages that differ by role also as the employee and the
// manager, and the signed-out pages before signing in. On each, once it has
// drawn and its requests have settled, axe-core checks the whole document.
//
// Any violation of impact "serious" or "critical" fails the run: listed
// with its page, rule, impact and the selectors of the offending elements.
// Moderate and minor ones are printed as notes. One line per page; the
// last line is `browser a11y: N passed, N failed` (pages).
import { chromium } from "playwright-core";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { retryEmulatorFailures } from "./emulator.mjs";

const BASE = process.env.BASE_URL;
const ARTIFACTS = process.env.ARTIFACT_DIR || tmpdir();
const SAMPLE_PDF = process.env.SAMPLE_PDF;
if (!BASE || !SAMPLE_PDF) {
  console.error("BASE_URL and SAMPLE_PDF must be set; run scripts/browser-tests.sh");
  process.exit(2);
}

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve("axe-core/axe.min.js");
const AXE_SOURCE = readFileSync(AXE_PATH, "utf8");
const AXE_VERSION = require("axe-core/package.json").version;
/** What fails the run. */
const FAILING = new Set(["serious", "critical"]);

const PASSWORD = "correct horse battery staple";
// Addresses of this run only, so the test can run again on the same stack.
const RUN = Math.random().toString(36).slice(2, 8);
const OWNER = { full_name: "Ida Rhodes", email: `ida.${RUN}@a11y.example`, company_name: `Axe Check ${RUN}` };
const MANAGER = { full_name: "Jean Sammet", email: `jean.${RUN}@a11y.example`, role: "manager" };
const EMPLOYEE = { full_name: "Kathleen Booth", email: `kathleen.${RUN}@a11y.example`, role: "employee" };
const VIEWPORT = { width: 1280, height: 800 };
const PHONE = { width: 390, height: 844 };
/** The pages also checked on a phone: the ones with the widest tables. */
const PHONE_PAGES = [/^\/overview$/, /^\/leavers$/, /^\/time\/team/, /^\/payroll/, /^\/events$/, /^\/imports\//, /^\/audit$/, /^\/directory$/];

const day = (iso, n) => new Date(Date.parse(`${iso}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const today = new Date().toISOString().slice(0, 10);
const mondayOf = (iso) => {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
};
const thisMonday = mondayOf(today);
const lastMonday = day(thisMonday, -7);
const lastSunday = day(thisMonday, -1);

const started = Date.now();
let passed = 0;
let failed = 0;
const failures = [];

function check(cond, message) {
  if (!cond) throw new Error(message);
}

async function call(method, path, { token, body, raw } = {}) {
  const headers = { "content-type": "application/json", "idempotency-key": crypto.randomUUID() };
  if (token) headers.authorization = `Bearer ${token}`;
  const r = await fetch(`${BASE}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (raw) return r;
  const json = await r.json().catch(() => null);
  check(r.ok, `${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
  return json;
}

/** An API client signed in as `email`. */
async function apiSession(email) {
  const { access_token: token } = await call("POST", "/auth/login", { body: { email, password: PASSWORD } });
  return (method, path, body) => call(method, path, { token, body });
}

/** PUTs `bytes` to a presigned upload (from node: no CORS involved). */
async function putPresigned(upload, bytes) {
  const r = await fetch(upload.url, { method: upload.method || "PUT", headers: upload.headers, body: bytes });
  check(r.ok, `upload to ${upload.url}: ${r.status} ${await r.text().catch(() => "")}`);
}

async function waitFor(what, fn, timeoutMs = 60_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    check(Date.now() < until, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

// ------------------------------------------------------------------ setup

/** The company this test checks, with something on every page. */
async function seed() {
  await call("POST", "/auth/signup", { body: { ...OWNER, password: PASSWORD } });
  const owner = await apiSession(OWNER.email);
  for (const u of [MANAGER, EMPLOYEE]) await owner("POST", "/auth/admin/users", { ...u, password: PASSWORD });
  const find = async (email) => (await owner("GET", `/employees?q=${encodeURIComponent(email)}`)).items[0];
  const manager = await find(MANAGER.email);
  const employee = await find(EMPLOYEE.email);
  check(manager && employee, "the new users are not in the directory");
  const dept = await owner("POST", "/departments", { name: "Research", manager_id: manager.id, sensitive: true });
  await owner("PATCH", `/employees/${employee.id}`, { version: employee.version, department_id: dept.id, hourly_rate: "25.00" });

  // Last week's shifts, recorded with a reason.
  for (let i = 0; i < 5; i += 1) {
    const d = day(lastMonday, i);
    await owner("POST", "/clockins", { action: "in", employee_id: employee.id, at: `${d}T08:00:00Z`, reason: "Forgot to clock in" });
    await owner("POST", "/clockins", { action: "out", employee_id: employee.id, at: `${d}T17:30:00Z`, reason: "Forgot to clock out" });
  }
  // A package and an event of this week.
  const pkg = await owner("POST", "/packages", { name: "Workshop", duration_minutes: 120, price: "150.00" });
  const eventDay = day(thisMonday, 2);
  await owner("POST", "/events", {
    name: "Accessibility workshop",
    department_id: dept.id,
    employee_id: employee.id,
    package_id: pkg.id,
    start: `${eventDay}T10:00:00Z`,
    end: `${eventDay}T12:00:00Z`,
  });

  const leaver = await owner("POST", "/leavers", {
    first_name: "Mallory",
    surname: "Quinn",
    email: `mallory.${RUN}@a11y.example`,
    department: "Research",
    job_title: "Systems administrator",
    leave_date: day(today, 7),
    reason: "dismissal",
    access_level: "privileged",
    notes: "Admin rights on the build servers.",
  });
  const ticket = await owner("POST", "/tickets", {
    title: "Laptop will not boot",
    description: "The screen stays black after the logo.",
    category: "hardware",
    priority: "high",
  });
  const project = await owner("POST", "/projects", { name: "Screen reader audit", description: "Every form, with NVDA." });
  await owner("POST", `/projects/${project.id}/tasks`, { title: "Check the sign-up form", assignee_id: employee.id, due_date: day(today, 14) });

  // A document of the employee, uploaded as the console does (presigned PUT).
  const pdf = readFileSync(SAMPLE_PDF);
  const doc = await owner("POST", "/documents/upload-url", {
    employee_id: employee.id,
    filename: "contract.pdf",
    content_type: "application/pdf",
    kind: "contract",
    size: pdf.length,
  });
  await putPresigned(doc.upload, pdf);

  // An import with one bad row, checked (its error table on the page).
  const csv = ["email,full_name,job_title,department", `barbara.${RUN}@a11y.example,Barbara Liskov,Researcher,Research`, "not-an-email,Nobody,,", ""].join("\r\n");
  const imp = await owner("POST", "/imports", { filename: "staff.csv", kind: "employees", size: Buffer.byteLength(csv) });
  await putPresigned(imp.upload, Buffer.from(csv));
  await waitFor("the import to be checked", async () => {
    const i = await owner("GET", `/imports/${imp.import_id}`);
    check(i.status !== "rejected", `the import was rejected: ${JSON.stringify(i)}`);
    return i.status === "invalid";
  });
  await waitFor("the document to be available", async () => {
    const d = await owner("GET", `/documents/${doc.document_id}`).catch(() => null);
    return d && d.status === "available";
  });

  return {
    leaver: leaver.id,
    ticket: ticket.id,
    project: project.id,
    employee: employee.id,
    department: dept.id,
    import: imp.import_id,
  };
}

// ------------------------------------------------------------------ browser

const browserDir = mkdtempSync(join(tmpdir(), "tenure-chromium-a11y-"));
process.env.TMPDIR = browserDir;
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  headless: true,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic", "--no-first-run", "--disable-component-update", "--disable-sync"],
});

async function newPage(viewport = VIEWPORT) {
  const context = await browser.newContext({ viewport });
  await retryEmulatorFailures(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  // Requests in flight, to know when a page has settled (a hash change is
  // no navigation, so playwright's "networkidle" does not apply).
  let inflight = 0;
  page.on("request", () => (inflight += 1));
  const done = () => (inflight = Math.max(0, inflight - 1));
  page.on("requestfinished", done);
  page.on("requestfailed", done);
  page.inflight = () => inflight;
  return page;
}

async function settle(page) {
  let quietSince = Date.now();
  const until = Date.now() + 20_000;
  while (Date.now() < until) {
    const busy = page.inflight() > 0 || (await page.evaluate(() => !!document.querySelector("main .loading, main [aria-busy=true]")));
    if (busy) quietSince = Date.now();
    else if (Date.now() - quietSince >= 400) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Opens `#path` and waits for the router to draw the page. */
async function open(page, path) {
  // Already there (a first page after signing in): nothing to redraw.
  if (await page.evaluate((hash) => location.hash === hash, `#${path}`)) return settle(page);
  await page.evaluate(() => document.querySelector("main h1")?.setAttribute("data-stale", ""));
  await page.goto(`${BASE}/#${path}`);
  await page.locator("main h1:not([data-stale])").first().waitFor();
  await settle(page);
}

async function signIn(page, email) {
  await open(page, "/signin");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.locator("#sign-out").waitFor();
  await settle(page);
}

/** Runs axe-core on the page; returns its violations. */
async function axe(page) {
  if (!(await page.evaluate(() => typeof window.axe === "object"))) await page.evaluate(AXE_SOURCE);
  return page.evaluate(async () => {
    const res = await window.axe.run(document, { resultTypes: ["violations"] });
    return res.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(" "), impact: n.impact, summary: n.failureSummary })),
    }));
  });
}

/** Checks one page: `who` (a label) on `path`. */
async function audit(page, who, path, { ready } = {}) {
  const label = `${who} ${path}`;
  const t = Date.now();
  try {
    if (path !== null) await open(page, path);
    if (ready) await page.locator(ready).first().waitFor();
    const heading = (await page.locator("main h1").first().textContent()).trim();
    const violations = await axe(page);
    const bad = violations.filter((v) => FAILING.has(v.impact));
    const notes = violations.filter((v) => !FAILING.has(v.impact));
    const secs = ((Date.now() - t) / 1000).toFixed(1);
    if (bad.length) {
      failed += 1;
      console.log(`[a11y] FAIL ${label} ("${heading}"): ${bad.length} serious or critical (${secs}s)`);
      for (const v of bad) {
        console.log(`         ${v.impact} ${v.id}: ${v.help}`);
        for (const n of v.nodes) console.log(`           ${n.target}`);
        failures.push({ label, ...v });
      }
      await page.screenshot({ path: join(ARTIFACTS, `a11y-${label.replace(/[^a-z0-9]+/gi, "-")}.png`), fullPage: true }).catch(() => {});
    } else {
      passed += 1;
      console.log(`[a11y] ok   ${label} ("${heading}"): no serious or critical violations (${secs}s)`);
    }
    for (const v of notes) console.log(`         note: ${v.impact} ${v.id} on ${v.nodes.length} element${v.nodes.length === 1 ? "" : "s"}: ${v.nodes.slice(0, 3).map((n) => n.target).join(", ")}`);
  } catch (e) {
    failed += 1;
    failures.push({ label, id: "(not checked)", impact: "error", nodes: [] });
    console.log(`[a11y] FAIL ${label}: could not be checked: ${e && e.stack ? e.stack : e}`);
    await page.screenshot({ path: join(ARTIFACTS, `a11y-${label.replace(/[^a-z0-9]+/gi, "-")}.png`), fullPage: true }).catch(() => {});
  }
}

let ids;
try {
  console.log(`[a11y] axe-core ${AXE_VERSION}; failing on ${[...FAILING].join(" and ")} violations`);
  const t = Date.now();
  ids = await seed();
  console.log(`[a11y] company set up through the API (${((Date.now() - t) / 1000).toFixed(1)}s)`);

  // Signed out.
  const visitor = await newPage();
  await audit(visitor, "signed out", "/signin");
  await audit(visitor, "signed out", "/signup");
  await visitor.context().close();

  // The owner: every route of console/app.js's PAGES.
  const owner = await newPage();
  await signIn(owner, OWNER.email);
  const routes = [
    ["/overview", '[data-card="leave_dates"]'],
    ["/leavers", "table.data tbody tr"],
    ["/leavers/new"],
    [`/leavers/${ids.leaver}`, "#risk-score"],
    ["/alerts"],
    ["/tickets", "table.data tbody tr"],
    ["/tickets/new"],
    [`/tickets/${ids.ticket}`],
    ["/sla"],
    ["/documents"],
    [`/documents?employee=${ids.employee}`, "#document-list tbody tr"],
    ["/projects", "#project-list a"],
    [`/projects/${ids.project}`, "#task-list tbody tr"],
    ["/tasks"],
    ["/time"],
    [`/time/team?department_id=${ids.department}&week=${lastMonday}`, "#team-week tbody tr"],
    ["/events", "#event-list tbody tr"],
    [`/payroll?from=${lastMonday}&to=${lastSunday}`, "#payroll-table tbody tr"],
    [`/people/${ids.employee}/forecast`],
    ["/people", "#people-list"],
    ["/directory", "table.data tbody tr"],
    [`/directory/${ids.employee}`],
    ["/departments", "table.data tbody tr"],
    ["/imports", "#imports-list tbody tr"],
    [`/imports/${ids.import}`, "#import-errors"],
    ["/company"],
    ["/audit", "#audit-list tbody tr"],
    ["/me"],
    ["/no-such-page"],
  ];
  for (const [path, ready] of routes) await audit(owner, "owner", path, { ready });
  await owner.context().close();

  // On a phone, where wide tables scroll or fold into cards.
  const phone = await newPage(PHONE);
  await signIn(phone, OWNER.email);
  for (const [path, ready] of routes.filter(([p]) => PHONE_PAGES.some((re) => re.test(p)))) await audit(phone, "owner (phone)", path, { ready });
  await phone.context().close();

  // The pages that differ by role.
  const employee = await newPage();
  await signIn(employee, EMPLOYEE.email);
  for (const path of ["/overview", "/tickets", "/documents", "/tasks", "/time", "/events", "/me"]) await audit(employee, "employee", path);
  await employee.context().close();
  const manager = await newPage();
  await signIn(manager, MANAGER.email);
  for (const path of ["/overview", `/time/team?week=${lastMonday}`, `/payroll?from=${lastMonday}&to=${lastSunday}`, "/directory"]) await audit(manager, "manager", path);
  await manager.context().close();
} catch (e) {
  failed += 1;
  console.log(`[a11y] FAIL setting up: ${e && e.stack ? e.stack : e}`);
} finally {
  await browser.close().catch(() => {});
  rmSync(browserDir, { recursive: true, force: true });
}

if (failures.length) {
  console.log("[a11y] serious or critical violations (page, rule, impact, elements):");
  for (const f of failures) console.log(`  ${f.label}: ${f.id} (${f.impact}) ${f.nodes.map((n) => n.target).join(" | ")}`);
}
console.log(`[a11y] ${((Date.now() - started) / 1000).toFixed(1)}s`);
console.log(`browser a11y: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
