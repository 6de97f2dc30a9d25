// Parses every infra/*.tf with HashiCorp's HCL parser (npm @cdktf/hcl2json:
// hashicorp/hcl compiled to WASM, pinned in package.json) and checks what
// the stack must keep. No terraform binary can be installed on the build
// machines, so this stands in for `terraform validate`: it catches syntax
// errors, references to undeclared variables, locals, resources and data
// sources, and a missing required setting, but does not type-check
// arguments against the AWS provider's schema.
//
//   node scripts/hcl-check.mjs [DIR]     (DIR: infra, from the repository root)
//
// Exits 1 listing every problem, 0 with a one-line summary.
import { readFileSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const require = createRequire(join(ROOT, "package.json"));
let hcl;
try {
  hcl = require("@cdktf/hcl2json");
} catch {
  console.error("hcl-check: @cdktf/hcl2json is not installed; run scripts/install.sh");
  process.exit(1);
}

const dir = process.argv[2] ?? join(ROOT, "infra");
const files = readdirSync(dir)
  .filter((f) => f.endsWith(".tf"))
  .sort()
  .map((f) => join(dir, f));
const problems = [];
const problem = (msg) => problems.push(msg);
if (files.length === 0) {
  problem(`no .tf files in ${dir}`);
}

// Parse each file on its own, so an error names its file and line.
// resources[type][name] = {body, file}; likewise data sources.
const resources = {};
const data = {};
const variables = new Set();
const locals = new Set();
const modules = new Set();
const blocks = []; // every top-level body, for the reference scan
for (const file of files) {
  const rel = relative(ROOT, file);
  let doc;
  try {
    doc = await hcl.parse(rel, readFileSync(file, "utf8"));
  } catch (e) {
    problem(`${rel}: does not parse: ${e.message}`);
    continue;
  }
  for (const [kind, into] of [
    ["resource", resources],
    ["data", data],
  ]) {
    for (const [type, byName] of Object.entries(doc[kind] ?? {})) {
      for (const [name, bodies] of Object.entries(byName)) {
        into[type] ??= {};
        if (into[type][name]) {
          problem(`${rel}: ${kind} ${type}.${name} is declared twice (also in ${into[type][name].file})`);
        }
        into[type][name] = { body: bodies[0], file: rel };
        blocks.push({ where: `${rel}: ${kind === "data" ? "data." : ""}${type}.${name}`, body: bodies[0] });
      }
    }
  }
  for (const name of Object.keys(doc.variable ?? {})) variables.add(name);
  for (const name of Object.keys(doc.module ?? {})) modules.add(name);
  for (const block of doc.locals ?? []) {
    for (const name of Object.keys(block)) {
      if (locals.has(name)) problem(`${rel}: local.${name} is defined twice`);
      locals.add(name);
    }
    blocks.push({ where: `${rel}: locals`, body: block });
  }
  for (const [name, bodies] of Object.entries(doc.output ?? {})) {
    blocks.push({ where: `${rel}: output.${name}`, body: bodies });
  }
  for (const [name, bodies] of Object.entries(doc.variable ?? {})) {
    blocks.push({ where: `${rel}: variable.${name}`, body: bodies });
  }
  for (const key of ["provider", "terraform"]) {
    if (doc[key]) blocks.push({ where: `${rel}: ${key}`, body: doc[key] });
  }
}

// References: every var., local., data. and aws_* resource named inside an
// interpolation must be declared somewhere in the directory.
function* strings(value) {
  if (typeof value === "string") yield value;
  else if (Array.isArray(value)) for (const v of value) yield* strings(v);
  else if (value && typeof value === "object") for (const v of Object.values(value)) yield* strings(v);
}
const seen = new Set();
for (const { where, body } of blocks) {
  for (const s of strings(body)) {
    if (!s.includes("${")) continue;
    const say = (msg) => {
      const key = `${where}: ${msg}`;
      if (!seen.has(key)) {
        seen.add(key);
        problem(key);
      }
    };
    for (const [, name] of s.matchAll(/(?<![\w.])var\.([A-Za-z_][\w-]*)/g)) {
      if (!variables.has(name)) say(`var.${name} is not declared`);
    }
    for (const [, name] of s.matchAll(/(?<![\w.])local\.([A-Za-z_][\w-]*)/g)) {
      if (!locals.has(name)) say(`local.${name} is not defined`);
    }
    for (const [, name] of s.matchAll(/(?<![\w.])module\.([A-Za-z_][\w-]*)/g)) {
      if (!modules.has(name)) say(`module.${name} is not declared`);
    }
    for (const [, type, name] of s.matchAll(/(?<![\w.])data\.([a-z][a-z0-9_]*)\.([A-Za-z_][\w-]*)/g)) {
      if (!data[type]?.[name]) say(`data.${type}.${name} is not declared`);
    }
    for (const [, type, name] of s.matchAll(/(?<![\w.])(aws_[a-z0-9_]+)\.([A-Za-z_][\w-]*)/g)) {
      if (!resources[type]?.[name]) say(`${type}.${name} is not declared`);
    }
  }
}

// Helpers over parsed bodies: a nested block is a list of bodies.
const block = (body, name) => (Array.isArray(body?.[name]) ? body[name][0] : undefined);
const all = (type) => Object.entries(resources[type] ?? {});
const isTrue = (v) => v === true || v === "true";
// The resources of TYPE whose `bucket` (or other ATTR) refers to REF (e.g. aws_s3_bucket.documents).
const attachedTo = (type, ref, attr = "bucket") =>
  all(type).filter(([, r]) => typeof r.body[attr] === "string" && r.body[attr].includes(`${ref}.`));

// Lambda functions: arm64, the settings every function states, X-Ray, and a
// log group of their own with a retention.
const functions = all("aws_lambda_function");
if (functions.length === 0) problem("no aws_lambda_function");
for (const [name, { body, file }] of functions) {
  const at = `${file}: aws_lambda_function.${name}`;
  const arch = body.architectures;
  if (!(Array.isArray(arch) && arch.length === 1 && arch[0] === "arm64")) {
    problem(`${at}: architectures must be ["arm64"] (is ${JSON.stringify(arch)})`);
  }
  for (const attr of ["runtime", "handler", "timeout", "memory_size", "role"]) {
    if (body[attr] === undefined || body[attr] === "") problem(`${at}: ${attr} is not set`);
  }
  if (typeof body.runtime === "string" && !body.runtime.startsWith("provided.")) {
    problem(`${at}: runtime must be an OS-only runtime (provided.al2023) for a Rust bootstrap (is ${body.runtime})`);
  }
  const tracing = block(body, "tracing_config");
  if (!tracing) problem(`${at}: no tracing_config block`);
  else if (tracing.mode !== "Active") problem(`${at}: tracing_config.mode must be "Active" (is ${JSON.stringify(tracing.mode)})`);

  const logGroup = block(body, "logging_config")?.log_group ?? "";
  const m = /aws_cloudwatch_log_group\.([A-Za-z_][\w-]*)/.exec(logGroup);
  if (!m) {
    problem(`${at}: logging_config.log_group must name an aws_cloudwatch_log_group of this stack`);
    continue;
  }
  const group = resources.aws_cloudwatch_log_group?.[m[1]];
  if (!group) continue; // reported by the reference scan
  if (group.body.retention_in_days === undefined) {
    problem(`${group.file}: aws_cloudwatch_log_group.${m[1]} (log group of aws_lambda_function.${name}) has no retention_in_days`);
  }
  // One log group per function: the same for_each, indexed by the function's key.
  if (body.for_each !== undefined) {
    if (group.body.for_each !== body.for_each) {
      problem(`${at}: its log group aws_cloudwatch_log_group.${m[1]} must iterate the same for_each (${body.for_each})`);
    }
    if (!logGroup.includes(`${m[1]}[each.key]`)) {
      problem(`${at}: logging_config.log_group must be aws_cloudwatch_log_group.${m[1]}[each.key]`);
    }
  }
}
for (const [name, { body, file }] of all("aws_cloudwatch_log_group")) {
  if (body.retention_in_days === undefined) problem(`${file}: aws_cloudwatch_log_group.${name} has no retention_in_days`);
}

// The DynamoDB table: recovery, encryption, deletion protection, TTL.
const tables = all("aws_dynamodb_table");
if (tables.length === 0) problem("no aws_dynamodb_table");
for (const [name, { body, file }] of tables) {
  const at = `${file}: aws_dynamodb_table.${name}`;
  if (!isTrue(block(body, "point_in_time_recovery")?.enabled)) problem(`${at}: point_in_time_recovery { enabled = true } is missing`);
  if (!isTrue(block(body, "server_side_encryption")?.enabled)) problem(`${at}: server_side_encryption { enabled = true } is missing`);
  if (!isTrue(body.deletion_protection_enabled)) problem(`${at}: deletion_protection_enabled = true is missing`);
  const ttl = block(body, "ttl");
  if (!(ttl && isTrue(ttl.enabled) && ttl.attribute_name)) problem(`${at}: ttl { attribute_name = …, enabled = true } is missing`);
}

// Every bucket: public access blocked, versioning on, default encryption.
const buckets = all("aws_s3_bucket");
if (buckets.length === 0) problem("no aws_s3_bucket");
for (const [name, { file }] of buckets) {
  const at = `${file}: aws_s3_bucket.${name}`;
  const ref = `aws_s3_bucket.${name}`;
  const pab = attachedTo("aws_s3_bucket_public_access_block", ref);
  if (pab.length === 0) problem(`${at}: no aws_s3_bucket_public_access_block`);
  for (const [pname, { body }] of pab) {
    for (const attr of ["block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets"]) {
      if (!isTrue(body[attr])) problem(`${at}: aws_s3_bucket_public_access_block.${pname}.${attr} must be true`);
    }
  }
  const versioning = attachedTo("aws_s3_bucket_versioning", ref);
  if (versioning.length === 0) problem(`${at}: no aws_s3_bucket_versioning`);
  for (const [vname, { body }] of versioning) {
    const status = block(body, "versioning_configuration")?.status;
    if (status !== "Enabled") problem(`${at}: aws_s3_bucket_versioning.${vname} status must be "Enabled" (is ${JSON.stringify(status)})`);
  }
  const sse = attachedTo("aws_s3_bucket_server_side_encryption_configuration", ref);
  if (sse.length === 0) problem(`${at}: no aws_s3_bucket_server_side_encryption_configuration`);
  for (const [sname, { body }] of sse) {
    const algo = block(block(body, "rule"), "apply_server_side_encryption_by_default")?.sse_algorithm;
    if (!algo) problem(`${at}: aws_s3_bucket_server_side_encryption_configuration.${sname} sets no sse_algorithm`);
  }
}

if (problems.length) {
  for (const p of problems) console.error(`hcl-check: ${p}`);
  console.error(`hcl-check: ${problems.length} problem(s) in ${files.length} file(s)`);
  process.exit(1);
}
const count = Object.values(resources).reduce((n, byName) => n + Object.keys(byName).length, 0);
console.log(
  `hcl-check: ${files.length} files parse; ${count} resources, ${functions.length} aws_lambda_function, ` +
    `${tables.length} table, ${buckets.length} bucket: references and required settings ok`,
);
// The WASM bridge keeps Go's scheduler alive; nothing is left to do.
process.exit(0);
