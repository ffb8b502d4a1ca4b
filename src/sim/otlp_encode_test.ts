import { assert, assertEquals } from "../../tests/helpers/assert.ts";
import { decodeOtlp, encodeOtlp } from "../core/otlp/codec.ts";
import { encodeSimOtlp } from "./otlp_encode.ts";
import { createSimulation } from "./simulation.ts";
import { builtinTopology } from "./topologies/mod.ts";
import { int, str } from "./otlp_json.ts";

const T0 = Date.UTC(2026, 0, 1);

Deno.test("encodeSimOtlp() writes what the reference codec writes, for every signal", () => {
  const sim = createSimulation({
    topology: builtinTopology("sock-shop"),
    seed: 3,
    start_ms: T0,
    faults: [
      { id: "a", kind: "code_exception", service: "carts", start_ms: T0, end_ms: T0 + 10_000, intensity: 1 },
      { id: "b", kind: "pod_failure", service: "user", start_ms: T0 + 2_000, end_ms: T0 + 6_000 },
    ],
  });
  const seen = { traces: 0, metrics: 0, logs: 0 };
  for (const tick of sim.run(T0 + 10_000)) {
    for (const signal of ["traces", "metrics", "logs"] as const) {
      const req = tick[signal];
      if (!req) continue;
      seen[signal]++;
      const fast = encodeSimOtlp(signal, req);
      const reference = encodeOtlp(signal, req);
      assertEquals(decodeOtlp(signal, fast), decodeOtlp(signal, reference));
      assertEquals(fast.length, reference.length);
    }
  }
  assert(seen.traces === 10 && seen.metrics === 2 && seen.logs > 5, JSON.stringify(seen));
});

Deno.test("encodeSimOtlp() handles negative and large integers, booleans, doubles and long strings", () => {
  const long = "é".repeat(300);
  const req = {
    resourceLogs: [{
      resource: { attributes: [str("service.name", long), int("neg", -5), int("big", 2 ** 40)] },
      scopeLogs: [{
        scope: { name: "s" },
        logRecords: [{
          timeUnixNano: "1767225600000000123",
          observedTimeUnixNano: "1767225600000000123",
          severityNumber: 9,
          severityText: "INFO",
          body: { stringValue: long },
          attributes: [{ key: "b", value: { boolValue: true } }, { key: "d", value: { doubleValue: -0.25 } }],
        }],
      }],
    }],
  };
  assertEquals(decodeOtlp("logs", encodeSimOtlp("logs", req)), decodeOtlp("logs", encodeOtlp("logs", req)));
});
