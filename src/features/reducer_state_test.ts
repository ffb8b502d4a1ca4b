import { deepStrictEqual as assertEquals, ok, throws } from "node:assert";
import {
  decodeCommit,
  decodeServiceState,
  encodeCommit,
  encodeServiceState,
  type ServiceState,
  serviceStateKey,
} from "./reducer_state.ts";

const state: ServiceState = {
  tenant: "acme",
  service: "check out/ä.v2",
  last_end_ms: 1_700_000_020_000,
  baselines: [
    ["latency\u0000histogram\u0000pod-1\u0000", [1_700_000_012_000, 1_699_999_940_000, 503, 2_561.25]],
    ["requests\u0000sum\u0000pod-1\u0000", [1_700_000_012_000, 0, NaN, 0]],
    ["up\u0000sum\u0000pod-1\u0000", [1_700_000_012_000, 0, Infinity, -Infinity]],
  ],
  clusters: { clusters: [["c1", "user <*> logged in", 1_700_000_010_000, ["c1", "c7"]]] },
};

Deno.test("encodeServiceState() round-trips every number, NaN and infinities included, and is deterministic", () => {
  const bytes = encodeServiceState(state, 7);
  const back = decodeServiceState(bytes);
  assertEquals(back, { gen: 7, state });
  assertEquals(encodeServiceState(back.state, 7), bytes);
});

Deno.test("serviceStateKey() gives a valid KV key for any service name, distinct for distinct names", () => {
  const names = ["a", "a.b", "a_b", "a b", "a*b", "a>b", "", "ä", "x".repeat(200)];
  const keys = names.map((n) => serviceStateKey("default", n));
  assertEquals(new Set(keys).size, names.length);
  for (const k of keys) ok(/^svc\.default\.[A-Za-z0-9_-]+$/.test(k), k);
});

Deno.test("decodeCommit() reads encodeCommit(); decoders name a bad version", () => {
  const progress = { max_event_ms: 5, flushed_through_ms: null, position: 42 };
  assertEquals(decodeCommit(encodeCommit(3, progress)), { gen: 3, progress });
  throws(
    () => decodeCommit(new TextEncoder().encode(JSON.stringify({ v: 9, gen: 1 }))),
    /version must be 1 with an integer gen: current value is v=9 gen=1/,
  );
  throws(() => decodeServiceState(new TextEncoder().encode("{")), /is not JSON/);
});
