// The session and every call to the API.
//
// Tokens: the access token (15 minutes) lives only in this module's memory;
// the refresh token lives in sessionStorage, so a reload of this tab keeps
// the session, other tabs don't share it and closing the tab forgets it.
// The refresh token rotates on every use and a reused one revokes the whole
// session, so refreshes are single-flight: one at a time, shared by every
// caller that needs it. See the "Web console" section of README.md.

const REFRESH_KEY = "tenure.refresh_token";
/** Renew this long before the access token expires. */
const RENEW_EARLY_MS = 60_000;

let accessToken = null;
let accessExpiresAt = 0;
let renewTimer = null;
let refreshing = null;
let currentUser = null;
/** A platform admin's chosen company (`?company_id=`), or null. */
let scopeCompany = null;
const listeners = new Set();
/** Called after every write the API accepted (see onWrite). */
const writeListeners = new Set();

/** An API error: the HTTP status and the problem+json document. */
export class ApiError extends Error {
  constructor(status, problem) {
    const p = problem && typeof problem === "object" ? problem : {};
    super(p.detail || p.title || `The request failed (${status}).`);
    this.status = status;
    this.problem = p;
    /** [{field, message}] for validation failures. */
    this.errors = Array.isArray(p.errors) ? p.errors : [];
  }
}

/** Called with the signed-in user (or null) whenever it changes. */
export function onSessionChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/**
 * Called with (method, path) after every write (not GET or HEAD) the API
 * accepted, so a page showing figures a write changes (the overview, after
 * the header's clock) can read them again. Returns the unsubscribe.
 */
export function onWrite(fn) {
  writeListeners.add(fn);
  return () => writeListeners.delete(fn);
}

function emit(reason) {
  for (const fn of listeners) fn(currentUser, reason);
}

export function user() {
  return currentUser;
}

export function setScopeCompany(id) {
  scopeCompany = id || null;
}

export function scopeCompanyId() {
  return scopeCompany;
}

function storedRefreshToken() {
  try {
    return sessionStorage.getItem(REFRESH_KEY);
  } catch {
    return null;
  }
}

function storeRefreshToken(token) {
  try {
    if (token) sessionStorage.setItem(REFRESH_KEY, token);
    else sessionStorage.removeItem(REFRESH_KEY);
  } catch {
    // Storage refused (private mode quotas): the session lasts until reload.
  }
}

function setTokens(t) {
  accessToken = t.access_token;
  const seconds = Number(t.expires_in) > 0 ? Number(t.expires_in) : 900;
  accessExpiresAt = Date.now() + seconds * 1000;
  storeRefreshToken(t.refresh_token);
  clearTimeout(renewTimer);
  const wait = Math.max(5_000, seconds * 1000 - RENEW_EARLY_MS);
  renewTimer = setTimeout(() => {
    refresh().catch(() => {});
  }, wait);
}

function clearSession(reason) {
  accessToken = null;
  accessExpiresAt = 0;
  clearTimeout(renewTimer);
  renewTimer = null;
  storeRefreshToken(null);
  const had = currentUser !== null;
  currentUser = null;
  scopeCompany = null;
  if (had || reason) emit(reason || "signed-out");
}

async function readProblem(res) {
  const type = res.headers.get("content-type") || "";
  if (type.includes("json")) {
    try {
      return await res.json();
    } catch {
      return null;
    }
  }
  return null;
}

async function post(path, body) {
  const res = await fetch(path, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(body),
    credentials: "omit",
    cache: "no-store",
  });
  if (!res.ok) throw new ApiError(res.status, await readProblem(res));
  return res.status === 204 ? null : res.json();
}

/** Renews the access token with the stored refresh token (single-flight). */
export function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      const token = storedRefreshToken();
      if (!token) throw new ApiError(401, { detail: "You are not signed in." });
      try {
        setTokens(await post("/auth/refresh", { refresh_token: token }));
      } catch (e) {
        if (e instanceof ApiError && e.status === 401) {
          clearSession("expired");
        }
        throw e;
      }
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

async function loadMe() {
  currentUser = await api("GET", "/auth/me", { scoped: false });
  emit("signed-in");
  return currentUser;
}

/** Signs in; returns the user. */
export async function login(email, password) {
  setTokens(await post("/auth/login", { email, password }));
  return loadMe();
}

/** Creates a company and its owner, then signs the owner in. */
export async function signup(fields) {
  await post("/auth/signup", fields);
  return login(fields.email, fields.password);
}

/** Picks up the session of this tab after a reload, if there is one. */
export async function resume() {
  if (!storedRefreshToken()) return null;
  try {
    await refresh();
    return await loadMe();
  } catch {
    clearSession(null);
    return null;
  }
}

/** Signs out: revokes the session on the server, then forgets the tokens. */
export async function logout() {
  const token = storedRefreshToken();
  try {
    if (accessToken) {
      await api("POST", "/auth/logout", { body: token ? { refresh_token: token } : {}, scoped: false, retry: false });
    }
  } catch {
    // Signed out locally whatever the server said.
  } finally {
    clearSession("signed-out");
  }
}

function withQuery(path, query, scoped) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query || {})) {
    if (v !== undefined && v !== null && v !== "") params.set(k, String(v));
  }
  if (scoped && scopeCompany && currentUser && currentUser.role === "admin") {
    params.set("company_id", scopeCompany);
  }
  const qs = params.toString();
  return qs ? `${path}${path.includes("?") ? "&" : "?"}${qs}` : path;
}

/** How often a read the infrastructure failed is repeated (see api()). */
const TRANSIENT_RETRIES = 2;

function isTransient(method, res) {
  return (method === "GET" || method === "HEAD") && res.status >= 500 && !res.headers.get("x-request-id");
}

/**
 * Calls the API with the access token, renewing it first when it is about
 * to expire and once more on a 401. Options: body (JSON), query (object),
 * accept (default application/json), raw (return the Response),
 * idempotent (send an Idempotency-Key), scoped (add an admin's company_id;
 * default true), retry (renew and retry on 401; default true).
 */
export async function api(method, path, opts = {}) {
  const { body, query, accept = "application/json", raw = false, idempotent = false } = opts;
  const scoped = opts.scoped !== false;
  const retry = opts.retry !== false;
  if (!accessToken || Date.now() > accessExpiresAt - 5_000) {
    await refresh();
  }
  const url = withQuery(path, query, scoped);
  const send = () => {
    const headers = { authorization: `Bearer ${accessToken}`, accept };
    if (body !== undefined) headers["content-type"] = "application/json";
    if (idempotent) headers["idempotency-key"] = idempotent === true ? crypto.randomUUID() : idempotent;
    return fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "omit",
      cache: "no-store",
    });
  };
  let res = await send();
  // A read answered 5xx by the infrastructure in front of Tenure (API
  // Gateway or Lambda throttling a cold function, a local emulator) carries
  // no x-request-id: every answer of Tenure's own code does. Such reads are
  // safe to repeat, so they are, twice, after a short pause; writes and
  // Tenure's own errors are never repeated.
  for (let attempt = 1; attempt <= TRANSIENT_RETRIES && isTransient(method, res); attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 250 * attempt));
    res = await send();
  }
  if (res.status === 401 && retry && storedRefreshToken()) {
    await refresh();
    res = await send();
  }
  if (!res.ok) {
    const problem = await readProblem(res);
    if (res.status === 401) clearSession("expired");
    throw new ApiError(res.status, problem);
  }
  if (method !== "GET" && method !== "HEAD") {
    for (const fn of [...writeListeners]) {
      try {
        fn(method, path);
      } catch {
        // A listener's failure is not the caller's.
      }
    }
  }
  if (raw) return res;
  if (res.status === 204) return null;
  const type = res.headers.get("content-type") || "";
  return type.includes("json") ? res.json() : res.text();
}

/** Every page of a paginated list (at most `max` items). */
export async function listAll(path, query = {}, max = 500, opts = {}) {
  const items = [];
  let cursor = null;
  do {
    const page = await api("GET", path, { ...opts, query: { ...query, limit: 100, cursor } });
    items.push(...page.items);
    cursor = page.next_cursor;
  } while (cursor && items.length < max);
  return items;
}

// A tab brought back after a long sleep may hold an expired token: renew
// before the user's next click needs it.
document.addEventListener("visibilitychange", () => {
  if (document.visibilityState === "visible" && currentUser && Date.now() > accessExpiresAt - RENEW_EARLY_MS) {
    refresh().catch(() => {});
  }
});

/** Which roles may do what (mirrors shared/src/routes.rs; the API decides). */
const CAPABILITIES = {
  leavers: ["admin", "owner", "hr", "security"],
  writeLeavers: ["admin", "owner", "hr"],
  checklist: ["admin", "owner", "hr", "security", "technician"],
  alerts: ["admin", "owner", "hr", "security"],
  manageAlerts: ["admin", "owner", "security"],
  sweep: ["admin", "owner", "security"],
  people: ["admin", "owner", "hr"],
  directory: ["admin", "owner", "hr", "manager"],
  imports: ["admin", "owner", "hr"],
  company: ["admin", "owner"],
  changeRoles: ["admin", "owner"],
  audit: ["admin", "owner", "security"],
  workTickets: ["admin", "owner", "technician"],
  allTickets: ["admin", "owner"],
  slaPolicies: ["admin", "owner"],
  othersDocuments: ["admin", "owner", "hr"],
  companies: ["admin"],
  teamTime: ["admin", "owner", "hr", "manager"],
  payroll: ["admin", "owner", "hr", "manager"],
  closePayroll: ["admin", "owner", "hr"],
  writePackages: ["admin", "owner", "manager"],
  writeEvents: ["admin", "owner", "manager"],
  forecast: ["admin", "owner", "hr", "manager"],
};

/** May the signed-in user do `what`? */
export function can(what) {
  return !!currentUser && (CAPABILITIES[what] || []).includes(currentUser.role);
}

/** The roles the signed-in user may give a new user. */
export function grantableRoles() {
  const all = ["owner", "hr", "security", "manager", "technician", "employee"];
  if (!currentUser) return [];
  if (currentUser.role === "admin") return scopeCompany ? all : ["admin", ...all];
  if (currentUser.role === "owner") return all;
  if (currentUser.role === "hr") return ["manager", "technician", "employee"];
  return [];
}
