// Pure parts of the SDK: backoff, token expiry, file names, error codes.
import assert from "node:assert/strict";
import { test } from "node:test";

import { backoffDelay, fileName, isRetryable, ParleyError, tokenExpiry } from "../dist/index.js";
import { signToken } from "./harness.mjs";

test("backoff grows, is capped, and jitters within [d/2, d]", () => {
  const opts = { initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2 };
  const table = [
    [0, 100],
    [1, 200],
    [2, 400],
    [3, 800],
    [4, 1000],
    [30, 1000],
    [10_000, 1000],
  ];
  for (const [attempt, step] of table) {
    assert.equal(backoffDelay(attempt, opts, () => 0), step / 2, `attempt ${attempt} low`);
    assert.equal(backoffDelay(attempt, opts, () => 0.999999), step, `attempt ${attempt} high`);
    const d = backoffDelay(attempt, opts);
    assert.ok(d >= step / 2 && d <= step, `attempt ${attempt}: ${d}`);
  }
});

test("tokenExpiry reads exp from a JWT", () => {
  const t = signToken("s", "alice", { ttlSeconds: 100 });
  const exp = tokenExpiry(t);
  assert.ok(Math.abs(exp - (Date.now() + 100_000)) < 2000);
  assert.equal(tokenExpiry("not a token"), undefined);
  assert.equal(tokenExpiry("a.b.c"), undefined);
});

test("fileName prefers filename* and decodes it", () => {
  const cases = [
    [`attachment; filename="a.png"; filename*=UTF-8''%C3%A9t%C3%A9.png`, "été.png"],
    [`attachment; filename="plain name.txt"`, "plain name.txt"],
    [`attachment; filename=bare.pdf`, "bare.pdf"],
    [`attachment; filename="q\\"uote.txt"`, `q"uote.txt`],
    [null, undefined],
  ];
  for (const [header, name] of cases) assert.equal(fileName(header), name, String(header));
});

test("errors carry the protocol's code and say whether a retry is safe", () => {
  const table = {
    bad_request: false,
    unauthenticated: false,
    forbidden: false,
    not_found: false,
    conflict: false,
    too_large: false,
    rate_limited: true,
    blocked: false,
    window_closed: false,
    unavailable: true,
    internal: false,
    timeout: true,
    disconnected: true,
    closed: false,
  };
  for (const [code, retry] of Object.entries(table)) {
    const e = new ParleyError(code, "x", "msg.send");
    assert.equal(e.code, code);
    assert.equal(e.retryable, retry, code);
    assert.equal(isRetryable(code), retry, code);
    assert.ok(e instanceof Error);
  }
});
