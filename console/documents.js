// Documents: everyone uploads their own (HR, owners and admins also for
// any employee, and see and download anyone's). The file goes straight to
// the bucket through the presigned PUT the API returns, with exactly the
// headers it returns; the upload trigger then checks it, and this page
// polls the document until it is available or rejected.

import { api, can, user, listAll } from "./api.js";
import { h, mount, field, formValues, formAlert, clearErrors, showErrors, pageHeader, table, fmtTime, fmtBytes, humanize, statusBadge, announce, errorBlock, followDownload, emptyState } from "./dom.js";

export const MAX_SIZE = 10 * 1024 * 1024;
const DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
/** Extension → media type: the types the API accepts. */
const TYPES = { pdf: "application/pdf", png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", docx: DOCX };
const KINDS = [
  ["resume", "CV / résumé"],
  ["id", "Identity document"],
  ["contract", "Contract"],
  ["other", "Other"],
];

/**
 * The media type to declare for `file`, or an error message: the extension
 * must be one we take, and the browser's idea of the type (when it has
 * one) must agree with it. The upload trigger checks the bytes themselves.
 */
export function checkFile(file) {
  const ext = (file.name.includes(".") ? file.name.split(".").pop() : "").toLowerCase();
  const type = TYPES[ext];
  if (!type) return { error: "Choose a PDF, PNG, JPEG or DOCX file (.pdf, .png, .jpg, .jpeg or .docx)." };
  if (file.type && file.type !== type) return { error: `The file says it is ${file.type}, which does not match its .${ext} name.` };
  if (file.size === 0) return { error: "The file is empty." };
  if (file.size > MAX_SIZE) return { error: `The file is ${fmtBytes(file.size)}; the limit is 10 MiB.` };
  return { type };
}

/** Headers a page may not set itself; the browser sends them (the length is the file's). */
const FORBIDDEN = new Set(["content-length", "host", "connection", "expect"]);

/**
 * The returned headers to send: those the URL's signature covers
 * (X-Amz-SignedHeaders), exactly as given. Others, such as the
 * x-amzn-trace-id the SDK adds under Lambda tracing, mean nothing to S3 and
 * would fail the bucket's CORS preflight, so they stay behind.
 */
export function headersToSend(upload) {
  let signed = null;
  try {
    const list = new URL(upload.url).searchParams.get("X-Amz-SignedHeaders");
    if (list) signed = new Set(list.toLowerCase().split(";"));
  } catch {
    signed = null;
  }
  return Object.entries(upload.headers || {}).filter(([k]) => {
    const name = k.toLowerCase();
    return !FORBIDDEN.has(name) && (signed === null || signed.has(name));
  });
}

/** PUTs `file` to the presigned upload, reporting progress (0–1). */
export function putFile(upload, file, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(upload.method || "PUT", upload.url);
    for (const [k, v] of headersToSend(upload)) xhr.setRequestHeader(k, v);
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) onProgress(e.loaded / e.total);
    });
    xhr.addEventListener("load", () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve();
      else reject(new Error(`The storage refused the upload (${xhr.status}).`));
    });
    xhr.addEventListener("error", () => reject(new Error("The upload could not reach the storage (network or CORS).")));
    xhr.addEventListener("abort", () => reject(new Error("The upload was cancelled.")));
    xhr.send(file);
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls the document until the upload trigger has checked it. */
async function waitChecked(id, onTick) {
  let delay = 500;
  const deadline = Date.now() + 120_000;
  for (;;) {
    const d = await api("GET", `/documents/${encodeURIComponent(id)}`);
    onTick(d);
    if (d.status !== "pending") return d;
    if (Date.now() > deadline) return d;
    await sleep(delay);
    delay = Math.min(delay * 1.5, 4000);
  }
}

/** `#/documents?employee=` */
export async function documentsPage({ query, go }) {
  const me = user();
  const others = can("othersDocuments");
  let people = [];
  if (others) {
    try {
      people = await listAll("/auth/admin/users", {}, 300);
    } catch {
      people = [];
    }
  }
  const employee = (others && query.get("employee")) || me.id;
  const person = people.find((p) => p.id === employee);
  const whose = employee === me.id ? "My documents" : `Documents of ${person ? person.full_name : employee}`;

  // Choosing whose documents to see.
  let picker = null;
  if (others && people.length) {
    picker = h(
      "form",
      { class: "filters", role: "search", "aria-label": "Choose an employee" },
      field({
        name: "employee",
        label: "Employee",
        type: "select",
        value: employee,
        options: people.map((p) => [p.id, `${p.full_name} (${p.email})${p.id === me.id ? " – you" : ""}`]),
      }),
      h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Show documents")),
    );
    picker.addEventListener("submit", (ev) => {
      ev.preventDefault();
      const v = formValues(picker);
      go(v.employee === me.id ? "/documents" : `/documents?employee=${encodeURIComponent(v.employee)}`);
    });
  }

  // The list.
  const listBox = h("div", { id: "document-list", "aria-live": "polite" });
  let docs = [];
  async function loadList() {
    try {
      const items = await listAll("/documents", { employee_id: employee }, 300);
      docs = items;
      drawList();
    } catch (e) {
      mount(listBox, errorBlock(e));
    }
  }
  function drawList() {
    if (!docs.length) {
      mount(
        listBox,
        emptyState({
          message:
            employee === me.id
              ? "No documents yet. Your documents appear here when you upload one below, such as a signed contract, a certificate or an ID scan."
              : `No documents yet. ${person ? person.full_name : "This employee"}'s documents appear here when they upload one, or when you upload one for them below.`,
          action: { label: "Upload a document", form: "upload-form" },
        }),
      );
      return;
    }
    mount(listBox,
      table({
        caption: whose,
        rows: docs,
        columns: [
          { label: "File", render: (d) => d.filename },
          { label: "Kind", render: (d) => humanize(d.kind) },
          { label: "Size", render: (d) => h("span", { class: "nowrap" }, fmtBytes(d.size)) },
          { label: "Status", render: (d) => h("span", { dataset: { doc: d.id, status: d.status } }, statusBadge(d.status), d.reason ? h("span", { class: "muted" }, ` ${d.reason}`) : null) },
          { label: "Uploaded", render: (d) => fmtTime(d.created_at) },
          { label: "Actions", render: (d) => docActions(d) },
        ],
      }),
    );
  }
  function docActions(d) {
    const out = [];
    if (d.status === "available") {
      const dl = h("button", { type: "button", class: "button-quiet", dataset: { download: d.id } }, "Download", h("span", { class: "visually-hidden" }, ` ${d.filename}`));
      dl.addEventListener("click", async () => {
        dl.disabled = true;
        try {
          const r = await api("GET", `/documents/${encodeURIComponent(d.id)}/download`);
          followDownload(r.download.url);
        } catch (e) {
          announce(e.message, "error");
        } finally {
          dl.disabled = false;
        }
      });
      out.push(dl);
    }
    const del = h("button", { type: "button", class: "button-quiet danger", dataset: { delete: d.id } }, "Delete", h("span", { class: "visually-hidden" }, ` ${d.filename}`));
    del.addEventListener("click", async () => {
      if (!confirm(`Delete ${d.filename}? It cannot be downloaded afterwards.`)) return;
      del.disabled = true;
      try {
        await api("DELETE", `/documents/${encodeURIComponent(d.id)}`);
        announce(`${d.filename} deleted.`);
        await loadList();
      } catch (e) {
        del.disabled = false;
        announce(e.message, "error");
      }
    });
    out.push(del);
    return h("span", { class: "row-actions" }, out);
  }

  // The upload.
  const fileInputId = "upload-file";
  const fileInput = h("input", { type: "file", id: fileInputId, name: "file", class: "file-input", accept: ".pdf,.png,.jpg,.jpeg,.docx,application/pdf,image/png,image/jpeg," + DOCX, "aria-describedby": "upload-file-hint upload-file-error" });
  const chosen = h("p", { class: "chosen", id: "upload-chosen", "aria-live": "polite" }, "No file chosen.");
  const drop = h(
    "div",
    { class: "dropzone", dataset: { field: "file" } },
    fileInput,
    h("label", { for: fileInputId, class: "dropzone-label" }, h("strong", {}, "Choose a file"), " or drag and drop it here"),
    h("p", { class: "hint", id: "upload-file-hint" }, "PDF, PNG, JPEG or DOCX, up to 10 MiB."),
    chosen,
    h("p", { class: "field-error", id: "upload-file-error", hidden: true }),
  );
  let file = null;
  const progress = h("progress", { max: 1, value: 0, hidden: true, id: "upload-progress", "aria-label": "Upload progress" });
  const status = h("p", { class: "upload-status", id: "upload-status", role: "status" });
  const form = h(
    "form",
    { class: "card form", novalidate: true, "aria-labelledby": "upload-h", id: "upload-form" },
    h("h2", { id: "upload-h" }, employee === me.id ? "Upload a document" : `Upload for ${person ? person.full_name : "this employee"}`),
    formAlert(),
    field({ name: "kind", label: "Kind of document", type: "select", required: true, options: KINDS }),
    drop,
    h("div", { class: "form-actions" }, h("button", { type: "submit", class: "button" }, "Upload")),
    progress,
    status,
  );
  function pick(f) {
    clearErrors(form);
    file = f || null;
    if (!file) {
      chosen.textContent = "No file chosen.";
      return;
    }
    const c = checkFile(file);
    chosen.textContent = `${file.name} (${fmtBytes(file.size)})`;
    if (c.error) showErrors(form, { message: "This file cannot be uploaded.", errors: [{ field: "file", message: c.error }] });
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
    const c = checkFile(file);
    if (c.error) {
      showErrors(form, { message: "This file cannot be uploaded.", errors: [{ field: "file", message: c.error }] });
      return;
    }
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    try {
      const { kind } = formValues(form);
      status.textContent = "Preparing the upload…";
      const res = await api("POST", "/documents/upload-url", {
        body: { employee_id: employee, kind, filename: file.name, content_type: c.type, size: file.size },
        idempotent: true,
      });
      progress.hidden = false;
      progress.value = 0;
      status.textContent = `Uploading ${file.name}…`;
      await putFile(res.upload, file, (p) => {
        progress.value = p;
      });
      progress.value = 1;
      status.textContent = `Uploaded. Checking ${file.name}…`;
      await loadList();
      const done = await waitChecked(res.document_id, (d) => {
        const i = docs.findIndex((x) => x.id === d.id);
        if (i >= 0) docs[i] = d;
        else docs.unshift(d);
        drawList();
      });
      progress.hidden = true;
      if (done.status === "available") {
        status.textContent = `${done.filename} is available.`;
        announce(`${done.filename} is available.`);
      } else if (done.status === "rejected") {
        status.textContent = `${done.filename} was rejected: ${done.reason || "it is not what it says it is"}.`;
      } else {
        status.textContent = `${done.filename} is still being checked; it will show here when done.`;
      }
      form.reset();
      pick(null);
    } catch (e) {
      progress.hidden = true;
      status.textContent = "";
      showErrors(form, e.errors ? e : { message: e.message, errors: [] });
    } finally {
      button.disabled = false;
    }
  });

  await loadList();
  return h(
    "section",
    {},
    pageHeader(whose),
    picker,
    h("div", { class: "columns" }, h("div", { class: "col-main" }, listBox), h("div", { class: "col-side" }, form)),
  );
}
