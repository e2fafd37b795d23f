// Test support for the SDK's tests: a fresh database in the PostgreSQL that the PG*
// environment names (as tests/integration/harness.cpp does), the real parleyd as a
// child process, tokens signed with the server's secret, and provisioning through
// the SDK with a service token.
import { spawn, spawnSync } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { once } from "node:events";
import path from "node:path";
import { fileURLToPath } from "node:url";

import WebSocket from "ws";

import { ParleyClient } from "../dist/index.js";

const here = path.dirname(fileURLToPath(import.meta.url));

/** The parleyd under test: $PARLEYD (CTest sets it), else the default build tree. */
export const parleydPath =
  process.env.PARLEYD ?? path.resolve(here, "../../../build/server/parleyd");

function psql(db, sql) {
  const r = spawnSync("psql", ["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", db, "-c", sql], {
    encoding: "utf8",
  });
  if (r.status !== 0)
    throw new Error(`psql ${db}: ${sql}: ${r.stderr || r.error} (PG* must name a cluster; see README)`);
  return r.stdout.trim();
}

/** A database for one test file, dropped by drop(). */
export class TestDatabase {
  constructor() {
    this.name = "parley_js_" + randomBytes(5).toString("hex");
    psql("postgres", `CREATE DATABASE ${this.name}`);
    this.conninfo = `dbname=${this.name}`;
  }
  /** The first column of every row. */
  query(sql) {
    const out = psql(this.name, sql);
    return out === "" ? [] : out.split("\n");
  }
  drop() {
    try {
      psql("postgres", `DROP DATABASE IF EXISTS ${this.name} WITH (FORCE)`);
    } catch {
      /* best effort */
    }
  }
}

/** HS256 JWT, as `parleyd token` makes them. */
export function signToken(secret, sub, { admin = false, ttlSeconds = 3600 } = {}) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const claims = { sub, exp: Math.floor(Date.now() / 1000) + ttlSeconds };
  if (admin) claims.adm = true;
  const head = b64({ alg: "HS256", typ: "JWT" }) + "." + b64(claims);
  return head + "." + createHmac("sha256", secret).update(head).digest("base64url");
}

/** parleyd serve on a database; restartable on the same port. */
export class Server {
  constructor(db, { secret = "js-test-secret-0123456789", args = [] } = {}) {
    this.db = db;
    this.secret = secret;
    this.args = args;
    this.port = 0;
    this.proc = undefined;
    this.stdout = "";
    this.stderr = "";
  }

  /** Starts parleyd and waits for `listening on`; returns the lines printed before it. */
  async start() {
    const listen = `127.0.0.1:${this.port}`;
    const argv = ["serve", "--listen", listen, "--db", this.db.conninfo, "--token-secret", this.secret, ...this.args];
    const proc = spawn(parleydPath, argv, { stdio: ["ignore", "pipe", "pipe"] });
    this.proc = proc;
    this.stdout = "";
    proc.stderr.setEncoding("utf8");
    proc.stderr.on("data", (d) => (this.stderr += d));
    proc.stdout.setEncoding("utf8");
    const ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error("parleyd did not start: " + this.stderr)), 60_000);
      proc.stdout.on("data", (d) => {
        this.stdout += d;
        const m = /listening on ([^\s]+):(\d+)\n/.exec(this.stdout);
        if (m) {
          clearTimeout(timer);
          this.port = Number(m[2]);
          resolve(this.stdout);
        }
      });
      proc.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`parleyd exited (${code}) before listening: ${this.stderr}`));
      });
    });
    // A port just freed by a killed server can take a moment to bind again.
    for (let i = 0; ; i++) {
      try {
        return await ready;
      } catch (e) {
        if (i >= 20 || !/cannot listen/.test(this.stderr)) throw e;
        await new Promise((r) => setTimeout(r, 250));
        return this.start();
      }
    }
  }

  /** Sends `signal` and waits for the exit. */
  async stop(signal = "SIGTERM") {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, "exit");
    proc.kill(signal);
    await exited;
    this.proc = undefined;
  }

  get url() {
    return `ws://127.0.0.1:${this.port}/v1`;
  }

  get httpUrl() {
    return `http://127.0.0.1:${this.port}`;
  }

  token(user, options) {
    return signToken(this.secret, user, options);
  }

  /** A client of `user` (not yet connected). */
  client(user, options = {}) {
    return new ParleyClient({
      url: this.url,
      token: options.token ?? (() => this.token(user)),
      WebSocket,
      requestTimeoutMs: 10_000,
      reconnect: { initialDelayMs: 50, maxDelayMs: 500 },
      ...options,
    });
  }

  /** Provisions org `acme` and staff users through a service token. */
  async provision(users, org = "acme") {
    const admin = this.client("provisioner", { token: this.token("provisioner", { admin: true }) });
    await admin.connect();
    await admin.request("admin.org.put", { org, name: org });
    for (const u of users)
      await admin.request("admin.user.put", { user: u, org, kind: "staff", name: u[0].toUpperCase() + u.slice(1) });
    admin.close();
  }
}

/** Resolves when `predicate()` holds (polled), or rejects after `ms`. */
export async function until(predicate, ms = 10_000, what = "condition") {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The next event `type` of `client` that satisfies `filter`. */
export function nextEvent(client, type, filter = () => true, ms = 10_000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`no ${type} event within ${ms} ms`));
    }, ms);
    const off = client.on(type, (ev) => {
      if (!filter(ev)) return;
      clearTimeout(timer);
      off();
      resolve(ev);
    });
  });
}
