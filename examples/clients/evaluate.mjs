// A client of the rongcuo decision service in plain Node (v18+: global fetch, no packages).
//
// What it shows an engineer working in another language (Java, .NET, Go …): the service is
// plain HTTP and JSON, nothing Python-specific. Three calls:
//   GET  /v1/rulesets/{id}                     the ruleset's title, version and content hash
//   POST /v1/rulesets/{id}/evaluate?as_of=…    a case as JSON → {"decision_id", "decision"}
//   POST /v1/rulesets/{id}/memo?format=docx&…  the same case → a Word memo, named by the server
// and how to read the answers: the decision is kept byte for byte as received (sliced out of
// the raw body, never parsed and re-serialised, so its hash stays the library's); the memo's
// Chinese file name comes from Content-Disposition (RFC 6266 filename*=UTF-8''…); an error is
// JSON listing each problem with its code, its path in the case and a Chinese and English message.
//
// Usage: node evaluate.mjs [--base URL] [--ruleset ID] [--as-of YYYY-MM-DD] [--out DIR]
//                          [--token TOKEN] CASE.json
// Exit 0 on success, 1 on an error answer (or no answer), 2 on bad usage or an unsafe file name.

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const USAGE =
  "usage: node evaluate.mjs [--base URL] [--ruleset ID] [--as-of YYYY-MM-DD] [--out DIR] " +
  "[--token TOKEN] CASE.json";

function die(code, message) {
  process.stderr.write(message + "\n");
  process.exit(code);
}

function parseArgs(argv) {
  const opts = {
    base: "http://127.0.0.1:8000", ruleset: "wanzhou", asOf: null, out: ".", token: null,
  };
  const names = {
    "--base": "base", "--ruleset": "ruleset", "--as-of": "asOf", "--out": "out", "--token": "token",
  };
  let casePath = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg in names) {
      if (i + 1 >= argv.length) die(2, `${arg} needs a value\n${USAGE}`);
      opts[names[arg]] = argv[++i];
    } else if (arg.startsWith("--") || casePath !== null) {
      die(2, `unexpected argument ${arg}\n${USAGE}`);
    } else {
      casePath = arg;
    }
  }
  if (casePath === null) die(2, USAGE);
  opts.base = opts.base.replace(/\/+$/, "");
  return { opts, casePath };
}

// An answer that is not 2xx: print each error the service lists, then exit 1.
async function failOn(res, what) {
  if (res.ok) return;
  const text = await res.text();
  process.stderr.write(`${what}: HTTP ${res.status}\n`);
  let errors = [];
  try {
    errors = JSON.parse(text).errors ?? [];
  } catch {
    process.stderr.write(text.slice(0, 500) + "\n");
  }
  for (const e of errors) {
    const path = e.path && e.path.length ? e.path.join(".") : "-";
    process.stderr.write(`  ${e.code} at ${path}: ${e.message_zh} / ${e.message_en}\n`);
  }
  process.exit(1);
}

async function call(url, init, what) {
  try {
    return await fetch(url, init);
  } catch (err) {
    die(1, `${what}: no answer from ${url} (${err.cause?.message ?? err.message})`);
  }
}

// The file name in a Content-Disposition header: filename*=UTF-8''… first, else filename="…".
function fileName(disposition) {
  const star = /filename\*\s*=\s*UTF-8''([^;]+)/i.exec(disposition);
  if (star) {
    try {
      return decodeURIComponent(star[1].trim());
    } catch {
      // a malformed percent-encoding: fall back to the plain name
    }
  }
  const plain = /filename\s*=\s*"([^"]*)"/i.exec(disposition);
  return plain ? plain[1] : null;
}

const { opts, casePath } = parseArgs(process.argv.slice(2));
const caseText = readFileSync(casePath, "utf-8");
try {
  JSON.parse(caseText);
} catch (err) {
  die(2, `${casePath} is not JSON: ${err.message}`);
}
const rulesetUrl = `${opts.base}/v1/rulesets/${encodeURIComponent(opts.ruleset)}`;
const asOf = opts.asOf ? `as_of=${encodeURIComponent(opts.asOf)}` : "";
const post = {
  method: "POST",
  headers: { "Content-Type": "application/json" },
  body: caseText,
};
if (opts.token) post.headers.Authorization = `Bearer ${opts.token}`;

// (a) the ruleset
let res = await call(rulesetUrl, {}, "ruleset");
await failOn(res, "ruleset");
const rs = await res.json();
console.log(`ruleset: ${rs.id} ${rs.title} version ${rs.version} hash ${rs.content_hash}`);

// (b) the decision, kept byte for byte: the body is {"decision_id":"…","decision":DECISION}
res = await call(`${rulesetUrl}/evaluate${asOf ? "?" + asOf : ""}`, post, "evaluate");
await failOn(res, "evaluate");
const raw = Buffer.from(await res.arrayBuffer());
const head = Buffer.from('{"decision_id":"');
const mid = Buffer.from('","decision":');
const at = raw.indexOf(mid);
if (!raw.subarray(0, head.length).equals(head) || at < 0 || raw[raw.length - 1] !== 0x7d) {
  die(1, "evaluate: the answer is not {\"decision_id\":…,\"decision\":…}");
}
const decisionId = raw.subarray(head.length, at).toString("utf-8");
const decisionBytes = raw.subarray(at + mid.length, raw.length - 1);
const decision = JSON.parse(decisionBytes.toString("utf-8"));
mkdirSync(opts.out, { recursive: true });
const decisionPath = join(opts.out, "decision.json");
writeFileSync(decisionPath, decisionBytes);
console.log(`decision_id: ${decisionId}`);
console.log(`outcome: ${decision.outcome}`);
console.log(`X-Rongcuo-Version: ${res.headers.get("x-rongcuo-version")}`);
console.log(`X-Ruleset-Hash: ${res.headers.get("x-ruleset-hash")}`);
console.log(`decision saved: ${decisionPath}`);

// (c) the memo as a Word file, under the (Chinese) name the server gives
res = await call(`${rulesetUrl}/memo?format=docx${asOf ? "&" + asOf : ""}`, post, "memo");
await failOn(res, "memo");
const name = fileName(res.headers.get("content-disposition") ?? "");
if (!name || /[/\\\x00-\x1f]/.test(name) || name.startsWith(".")) {
  die(2, `memo: refusing the file name ${JSON.stringify(name)}`);
}
const memoPath = join(opts.out, name);
writeFileSync(memoPath, Buffer.from(await res.arrayBuffer()));
console.log(`memo saved: ${memoPath}`);
