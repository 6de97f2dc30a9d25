// Bulk imports: a CSV of people or of leavers, in steps. The file goes
// straight to the bucket through the presigned PUT the API returns (as a
// document does, documents.js); the import function checks every row and
// this page polls the import until its report is there: the counts and
// each bad row's row, column and reason. Applying answers at once and the
// function writes the rows in the background; the page polls again, with
// a progress bar, until the import is applied.

import { api, ApiError } from "./api.js";
import { h, mount, field, formValues, formAlert, clearErrors, showErrors, submitting, pageHeader, table, fmtTime, fmtBytes, humanize, statusBadge, announce, errorBlock, saveBlob, emptyState } from "./dom.js";
import { putFile } from "./documents.js";

/** The largest file the API takes: 5 MiB. */
export const MAX_SIZE = 5 * 1024 * 1024;
/** How long the presigned upload is valid (UPLOAD_TTL in the API), with room for the check. */
const ARRIVAL_MS = 10 * 60_000;
const POLL_MS = 1000;
/** Applying that has not moved for this long is offered a restart. */
const STALL_MS = 30_000;

/** What a file may hold: its columns, as the API reads them. */
const KINDS = {
  employees: {
    label: "People (employees)",
    noun: "people",
    required: ["email", "full_name"],
    optional: ["job_title", "department", "hourly_rate", "start_date", "access_level", "phone", "emergency_contact"],
    notes: [
      "A department must be one of the company's (any case).",
      "Dates are YYYY-MM-DD; an hourly rate is an amount such as 20.50; access level is standard, elevated or privileged.",
      "A person whose email is already in the directory is left as they are.",
    ],
    after: ["#/directory", "Open the directory"],
  },
  leavers: {
    label: "Leavers",
    noun: "leavers",
    required: ["first_name", "surname", "department", "leave_date", "reason"],
    optional: ["email", "job_title", "access_level", "notes"],
    notes: [
      "Dates are YYYY-MM-DD; the reason is resignation, dismissal, redundancy, retirement, contract_end or other; access level is standard, elevated or privileged.",
    ],
    after: ["#/leavers", "Open the leavers"],
  },
};

const STEPS = ["Choose a file", "Upload", "Check", "Apply", "Result"];

/** The wizard's steps, `current` (0-based) marked; `failed` marks it as stopped. */
function steps(current, failed = false) {
  return h(
    "ol",
    { class: "steps", "aria-label": "Import steps" },
    STEPS.map((label, i) => {
      const state = i < current ? "done" : i === current ? (failed ? "failed" : "current") : "todo";
      return h(
        "li",
        { class: `step-${state}`, "aria-current": i === current ? "step" : null },
        label,
        state === "done" ? h("span", { class: "visually-hidden" }, " (done)") : null,
        state === "failed" ? h("span", { class: "visually-hidden" }, " (stopped)") : null,
      );
    }),
  );
}

/** Where the import is in the steps. */
function stepOf(imp) {
  switch (imp.status) {
    case "pending":
      return [2, false];
    case "rejected":
      return [2, true];
    case "validated":
    case "invalid":
    case "applying":
      return [3, false];
    default:
      return [4, false];
  }
}

/**
 * `file`'s problem, or null: a CSV by its name, not empty, at most 5 MiB.
 * The browser's idea of the type is not asked: Windows calls a .csv
 * application/vnd.ms-excel. The import function reads the bytes.
 */
export function checkFile(file) {
  if (!/\.csv$/i.test(file.name)) return "Choose a CSV file (a name ending in .csv); save a spreadsheet as CSV first.";
  if (file.size === 0) return "The file is empty.";
  if (file.size > MAX_SIZE) return `The file is ${fmtBytes(file.size)}; the limit is 5 MiB.`;
  return null;
}

/** A column list as code: `a, b, c`. */
function columnList(names) {
  return names.flatMap((n, i) => [i ? ", " : null, h("code", {}, n)]);
}

function columnsHelp(kind) {
  const k = KINDS[kind];
  return [
    h("p", { class: "hint" }, "Required columns: ", columnList(k.required), "."),
    h("p", { class: "hint" }, "Optional columns: ", columnList(k.optional), "."),
    ...k.notes.map((n) => h("p", { class: "hint" }, n)),
    h("p", { class: "hint" }, "The first row names the columns, in any order. Comma- or semicolon-separated, UTF-8, up to 5 MiB and 20,000 rows."),
  ];
}

/** Counts as a row of figures: [[key, label, value]]. */
function counts(list) {
  return h(
    "dl",
    { class: "counts" },
    list.map(([key, name, value]) => h("div", { dataset: { count: key } }, h("dt", {}, name), h("dd", {}, String(value ?? 0)))),
  );
}

/** The row errors as a table (every value as text). */
function errorTable(imp, caption) {
  const shown = imp.errors.length;
  return h(
    "div",
    { class: "stack", id: "import-errors" },
    table({
      caption,
      rows: imp.errors,
      columns: [
        { label: "Row", render: (e) => [h("span", { class: "row-label" }, "Row "), String(e.row)] },
        { label: "Column", render: (e) => h("code", {}, e.field) },
        { label: "Problem", render: (e) => e.message },
      ],
    }),
    imp.errors_total > shown ? h("p", { class: "hint" }, `The first ${shown} of ${imp.errors_total} errors are listed.`) : null,
  );
}

function statusCell(imp) {
  return h("span", { dataset: { import: imp.id, status: imp.status } }, statusBadge(imp.status));
}

/** `#/imports`: the upload form and the recent imports. */
export async function importsPage({ go }) {
  let recent = [];
  let recentError = null;
  try {
    recent = (await api("GET", "/imports", { query: { limit: 10 } })).items;
  } catch (e) {
    recentError = e;
  }

  const help = h("div", { class: "import-help", id: "import-columns" });
  const template = h("button", { type: "button", class: "button-quiet" }, "Download a CSV template");
  const fileInputId = "import-file";
  const fileInput = h("input", { type: "file", id: fileInputId, name: "file", class: "file-input", accept: ".csv,text/csv", "aria-describedby": "import-file-hint import-file-error" });
  const chosen = h("p", { class: "chosen", id: "import-chosen", "aria-live": "polite" }, "No file chosen.");
  const drop = h(
    "div",
    { class: "dropzone", dataset: { field: "file" } },
    fileInput,
    h("label", { for: fileInputId, class: "dropzone-label" }, h("strong", {}, "Choose a CSV file"), " or drag and drop it here"),
    h("p", { class: "hint", id: "import-file-hint" }, "A .csv file, up to 5 MiB."),
    chosen,
    h("p", { class: "field-error", id: "import-file-error", hidden: true }),
  );
  const progress = h("progress", { max: 1, value: 0, hidden: true, id: "import-progress", "aria-label": "Upload progress" });
  const status = h("p", { class: "upload-status", id: "import-upload-status", role: "status" });
  const form = h(
    "form",
    { class: "card form", novalidate: true, id: "import-form", "aria-labelledby": "import-form-h" },
    h("h2", { id: "import-form-h" }, "Import a file"),
    formAlert(),
    field({ name: "kind", label: "The file holds", type: "select", required: true, options: Object.entries(KINDS).map(([k, v]) => [k, v.label]) }),
    help,
    h("div", {}, template),
    drop,
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Upload and check")),
    progress,
    status,
  );
  const kindSelect = form.querySelector("select[name=kind]");
  const drawHelp = () => mount(help, columnsHelp(kindSelect.value));
  kindSelect.addEventListener("change", drawHelp);
  drawHelp();
  template.addEventListener("click", () => {
    const k = KINDS[kindSelect.value];
    saveBlob(new Blob([`${[...k.required, ...k.optional].join(",")}\r\n`], { type: "text/csv" }), `tenure-${kindSelect.value}.csv`);
  });

  let file = null;
  function pick(f) {
    clearErrors(form);
    file = f || null;
    if (!file) {
      chosen.textContent = "No file chosen.";
      return;
    }
    chosen.textContent = `${file.name} (${fmtBytes(file.size)})`;
    const problem = checkFile(file);
    if (problem) showErrors(form, { message: "This file cannot be imported.", errors: [{ field: "file", message: problem }] });
  }
  fileInput.addEventListener("change", () => pick(fileInput.files[0]));
  drop.addEventListener("dragover", (ev) => {
    ev.preventDefault();
    drop.classList.add("dragging");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("dragging"));
  drop.addEventListener("drop", (ev) => {
    ev.preventDefault();
    drop.classList.remove("dragging");
    const f = ev.dataTransfer && ev.dataTransfer.files[0];
    if (f) pick(f);
  });

  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    clearErrors(form);
    if (!file) {
      showErrors(form, { message: "Choose a file first.", errors: [{ field: "file", message: "is required" }] });
      return;
    }
    const problem = checkFile(file);
    if (problem) {
      showErrors(form, { message: "This file cannot be imported.", errors: [{ field: "file", message: problem }] });
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    button.setAttribute("aria-busy", "true");
    try {
      const { kind } = formValues(form);
      status.textContent = "Preparing the upload…";
      let res;
      try {
        res = await api("POST", "/imports", { body: { kind, filename: file.name, size: file.size }, idempotent: true });
      } catch (e) {
        // The file's name and size are the file field's.
        const part = { filename: "name", size: "size" };
        if (e instanceof ApiError) e.errors = e.errors.map((fe) => (part[fe.field] ? { ...fe, field: "file", message: `${part[fe.field]} ${fe.message}` } : fe));
        throw e;
      }
      progress.hidden = false;
      progress.value = 0;
      status.textContent = `Uploading ${file.name}…`;
      await putFile(res.upload, file, (p) => {
        progress.value = p;
      });
      progress.value = 1;
      status.textContent = `Uploaded ${file.name}. Checking its rows…`;
      // Still on this page: follow the import; else say where it is.
      if (form.isConnected) go(`/imports/${encodeURIComponent(res.import_id)}`);
      else announce(`${file.name} is uploaded; its check is under Imports.`);
    } catch (e) {
      progress.hidden = true;
      status.textContent = "";
      showErrors(form, e.errors ? e : { message: e.message, errors: [] });
    } finally {
      button.disabled = false;
      button.removeAttribute("aria-busy");
    }
  });

  const list = recentError
    ? errorBlock(recentError)
    : recent.length
      ? table({
          caption: null,
          rows: recent,
          columns: [
            { label: "File", render: (i) => h("a", { href: `#/imports/${encodeURIComponent(i.id)}` }, i.filename) },
            { label: "Holds", render: (i) => KINDS[i.kind]?.label || humanize(i.kind) },
            { label: "Status", render: statusCell },
            { label: "Rows", render: (i) => (i.status === "pending" || i.status === "rejected" ? "–" : String(i.rows)) },
            { label: "Uploaded", render: (i) => fmtTime(i.created_at) },
          ],
        })
      : emptyState({ message: "No imports yet. Imports appear here when you upload a CSV of people or leavers with the form on this page.", action: { label: "Import a file", form: "import-form" } });

  return h(
    "section",
    {},
    pageHeader("Imports"),
    steps(0),
    h("div", { class: "stack" }, form, h("section", { class: "stack", id: "imports-list", "aria-labelledby": "imports-list-h" }, h("h2", { id: "imports-list-h" }, "Recent imports"), list)),
  );
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** `#/imports/{id}`: one import's check, report, apply and result. */
export async function importPage({ params }) {
  const [id] = params;
  const path = `/imports/${encodeURIComponent(id)}`;
  let imp = await api("GET", path);
  const kind = KINDS[imp.kind] || { noun: "rows", after: null };

  const here = location.hash;
  const stepBox = h("div", {});
  const statusLine = h("p", { class: "upload-status", id: "import-status", role: "status" });
  const body = h("div", { class: "stack", id: "import-body" });
  const root = h(
    "section",
    { class: "import" },
    h("p", { class: "crumbs" }, h("a", { href: "#/imports" }, "Imports")),
    pageHeader(`Import of ${imp.filename}`),
    stepBox,
    statusLine,
    body,
  );

  // Polling stops once this page is left (another page, or this one drawn
  // afresh: the old root is then detached).
  let seen = false;
  function alive() {
    if (root.isConnected) seen = true;
    return location.hash === here && (!seen || root.isConnected);
  }

  function say(text) {
    if (statusLine.textContent !== text) statusLine.textContent = text;
  }

  function summary() {
    return h(
      "section",
      { class: "card", id: "import-summary", "aria-labelledby": "import-summary-h", dataset: { status: imp.status } },
      h("h2", { id: "import-summary-h" }, "The file"),
      h(
        "dl",
        { class: "details" },
        ...[
          ["Holds", KINDS[imp.kind]?.label || humanize(imp.kind)],
          ["File", `${imp.filename} (${fmtBytes(imp.size)})`],
          ["Uploaded", fmtTime(imp.created_at)],
          ["Status", statusBadge(imp.status)],
        ].flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
      ),
    );
  }

  function checkCounts() {
    return counts(
      [
        ["rows", "Rows", imp.rows],
        ["valid", "Valid", imp.valid],
        ["invalid", "With errors", imp.invalid],
      ],
    );
  }

  function appliedCounts() {
    return counts(
      [
        ["created", "Created", imp.applied.created],
        ["existing", "Already there", imp.applied.existing],
        ["skipped", "Skipped", imp.applied.skipped],
        ["failed", "Failed", imp.applied.failed],
      ],
    );
  }

  function applyForm() {
    const invalid = imp.status === "invalid";
    const form = h(
      "form",
      { class: "card form", novalidate: true, id: "apply-import", "aria-labelledby": "apply-h" },
      h("h2", { id: "apply-h" }, "Apply"),
      h(
        "p",
        {},
        invalid
          ? `${imp.valid} of ${imp.rows} rows are good; ${imp.invalid} ${imp.invalid === 1 ? "has" : "have"} errors. Fix the file and import it again, or write the good rows and skip the others.`
          : `All ${imp.rows} rows are good. Applying writes them as ${kind.noun}.`,
      ),
      formAlert(),
      invalid ? field({ name: "accept_errors", label: `Skip the invalid rows (${imp.invalid}) and write the valid ones (${imp.valid})`, type: "checkbox" }) : null,
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Apply"), h("a", { href: "#/imports", class: "button-quiet" }, "Import another file")),
    );
    form.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const v = formValues(form);
      submitting(form, async () => {
        const next = await api("POST", `${path}/apply`, { body: invalid ? { accept_errors: v.accept_errors === true } : {} });
        show(next);
        statusLine.focus();
        poll();
      });
    });
    return form;
  }

  // Applying: a bar and the counts so far, updated in place each poll.
  const bar = h("progress", { max: 1, value: 0, id: "apply-progress", "aria-labelledby": "apply-progress-label" });
  const barLabel = h("p", { class: "hint", id: "apply-progress-label" });
  const soFar = h("div", {});
  const resume = h("button", { type: "button", class: "button-quiet", hidden: true }, "Resume applying");
  let lastRow = -1;
  let lastMove = Date.now();
  resume.addEventListener("click", async () => {
    resume.disabled = true;
    try {
      show(await api("POST", `${path}/apply`, { body: { accept_errors: imp.accept_errors } }));
      lastMove = Date.now();
      resume.hidden = true;
    } catch (e) {
      announce(e.message, "error");
    } finally {
      resume.disabled = false;
    }
  });
  function drawProgress() {
    const done = Math.min(imp.rows, Math.max(0, imp.next_row - 2));
    bar.max = Math.max(1, imp.rows);
    bar.value = done;
    barLabel.textContent = `${done} of ${imp.rows} rows done`;
    mount(soFar, appliedCounts());
    if (imp.next_row !== lastRow) {
      lastRow = imp.next_row;
      lastMove = Date.now();
    }
    resume.hidden = Date.now() - lastMove < STALL_MS;
  }

  function links() {
    return h(
      "p",
      { class: "form-actions" },
      kind.after ? h("a", { href: kind.after[0], class: "button" }, kind.after[1]) : null,
      h("a", { href: "#/imports", class: "button-quiet" }, "Import another file"),
    );
  }

  let drawn = null;
  /** Takes a newer copy of the import; draws afresh when its status changed. */
  function show(next) {
    imp = next;
    const [at, failed] = stepOf(imp);
    if (drawn === imp.status) {
      if (imp.status === "applying") drawProgress();
      return;
    }
    drawn = imp.status;
    mount(stepBox, steps(at, failed));
    const stale = imp.status === "pending" && Date.now() - Date.parse(imp.created_at) > ARRIVAL_MS;
    switch (imp.status) {
      case "pending":
        say(stale ? "The file never arrived and its upload link has expired. Import it again." : `Checking the rows of ${imp.filename}…`);
        mount(body, summary(), stale ? links() : h("progress", { "aria-label": "Checking the file" }));
        break;
      case "rejected":
        say(`${imp.filename} was rejected.`);
        mount(body, summary(), h("div", { class: "form-alert", role: "alert" }, h("strong", {}, "The file was rejected: "), imp.reason || "it could not be read."), links());
        break;
      case "validated":
      case "invalid":
        say(imp.invalid === 0 ? `Checked: all ${imp.rows} rows are good.` : `Checked: ${imp.invalid} of ${imp.rows} rows have errors.`);
        mount(body, summary(), h("section", { class: "card" }, h("h2", {}, "Check"), checkCounts()), imp.errors.length ? errorTable(imp, "Rows with errors") : null, applyForm());
        break;
      case "applying":
        say(`Writing the ${kind.noun}…`);
        drawProgress();
        mount(body, summary(), h("section", { class: "card stack" }, h("h2", {}, "Applying"), barLabel, bar, soFar, h("div", {}, resume)), imp.errors.length ? errorTable(imp, "Rows with errors") : null);
        break;
      case "applied": {
        const a = imp.applied;
        say(`Applied: ${a.created} created, ${a.existing} already there, ${a.skipped} skipped, ${a.failed} failed.`);
        mount(
          body,
          summary(),
          h("section", { class: "card" }, h("h2", {}, "Result"), appliedCounts(), imp.applied_at ? h("p", { class: "hint" }, `Applied ${fmtTime(imp.applied_at)}.`) : null),
          imp.errors.length ? errorTable(imp, "Rows not written") : null,
          links(),
        );
        break;
      }
      default:
        say(humanize(imp.status));
        mount(body, summary());
    }
  }

  let polling = false;
  /** Reads the import every second while the import function works on it. */
  async function poll() {
    if (polling) return;
    polling = true;
    let misses = 0;
    try {
      while (alive() && (imp.status === "applying" || (imp.status === "pending" && Date.now() - Date.parse(imp.created_at) <= ARRIVAL_MS))) {
        await sleep(POLL_MS);
        if (!alive()) return;
        try {
          show(await api("GET", path));
          misses = 0;
        } catch (e) {
          misses += 1;
          if ((e instanceof ApiError && e.status < 500) || misses >= 5) {
            const again = h("button", { type: "button", class: "button-quiet" }, "Check again");
            const box = h("div", { class: "stack" }, errorBlock(e), h("div", {}, again));
            again.addEventListener("click", () => {
              box.remove();
              poll();
            });
            body.prepend(box);
            return;
          }
        }
      }
      // A stale pending import stops here: say so.
      if (alive() && imp.status === "pending") {
        drawn = null;
        show(imp);
      }
    } finally {
      polling = false;
    }
  }

  show(imp);
  statusLine.setAttribute("tabindex", "-1");
  poll();
  return root;
}
