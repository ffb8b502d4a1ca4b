import { deepStrictEqual as assertEquals, ok, throws } from "node:assert";
import { Extractor } from "./extract.ts";
import { batchPartialsFor } from "./feature_worker.ts";
import { OtlpScanError, scanTraces } from "./otlp_scan.ts";
import type { ServiceWindow } from "./window_aggregate.ts";
import { type GenSpan, traceRequest } from "../../tests/features/otlp_gen.ts";

const T0 = 1_700_000_000_000;
const parts = { feature_partitions: 2, span_partitions: 2 };

/** A request of 8 spans: a client in `fe` and its server in `api` per trace, 4 traces. */
function request(i: number): Uint8Array {
  const spans: GenSpan[] = [];
  for (let j = 0; j < 4; j++) {
    const k = 4 * i + j + 1;
    const base = { name: `op${j % 3}`, start_ms: T0 + 700 * k, duration_ms: 1 + (k % 7), trace: k };
    spans.push(
      { ...base, service: "fe", pod: "fe-0", kind: 3, span: 2 * k },
      {
        ...base,
        service: "api",
        pod: "api-0",
        kind: 2,
        span: 2 * k + 1,
        parent: 2 * k,
        http: k % 5 ? 200 : 503,
      },
    );
  }
  return traceRequest(spans);
}

/** An Extractor that counts its trace scans (one per message extracted). */
function countingExtractor(): { ex: Extractor; scans: () => number } {
  let n = 0;
  const ex = new Extractor({
    scan_traces: (bytes, onSpan, options) => {
      n++;
      return scanTraces(bytes, onSpan, options);
    },
  });
  return { ex, scans: () => n };
}

Deno.test("batchPartialsFor() drops malformed messages of a batch at one re-extraction of the good ones", () => {
  // a good request followed by a ResourceSpans whose resource has the wrong wire type: its spans are
  // merged into the windows before the error is found
  const polluting = (i: number) => new Uint8Array([...request(i), 0x0a, 0x02, 0x08, 0x01]);
  const garbage = new Uint8Array([0x0a, 0xff, 0xff, 0x01, 0x02]);
  const windows = new Map<string, ServiceWindow>();
  throws(() => new Extractor().extractInto("traces", polluting(0), { tenant: "t", windows }), OtlpScanError);
  ok(windows.size > 0, "the polluting message must leave part of itself in the windows");

  type Msg = { subject: string; data: Uint8Array; stream_seq: number };
  const msgs: Msg[] = [];
  const good: Msg[] = [];
  const bad: number[] = [];
  for (let i = 0; i < 60; i++) {
    const seq = i + 1;
    if (i % 6 === 5) {
      // another tenant, all good: its windows are never rebuilt
      const m = { subject: "otlp.v1.traces.other", data: request(i), stream_seq: seq };
      msgs.push(m);
      good.push(m);
    } else if (i % 2 === 1) {
      msgs.push({
        subject: "otlp.v1.traces.default",
        data: i % 4 === 1 ? polluting(i) : garbage,
        stream_seq: seq,
      });
      bad.push(seq);
    } else {
      const m = { subject: "otlp.v1.traces.default", data: request(i), stream_seq: seq };
      msgs.push(m);
      good.push(m);
    }
  }
  ok(bad.length >= 20 && good.length >= 30);

  const { ex, scans } = countingExtractor();
  const got = batchPartialsFor(ex, msgs, parts);
  const alone = batchPartialsFor(new Extractor(), good, parts);
  assertEquals(got.out, alone.out);
  assertEquals(got.items, alone.items);
  assertEquals(got.partials, alone.partials);
  ok(got.out.some(([s]) => s.startsWith("vigil.spans.")), "the batch has span partials");
  // each malformed message reported once, in input order
  assertEquals(got.malformed.map(([m]) => m.stream_seq), bad);
  for (const [, e] of got.malformed) ok(e instanceof OtlpScanError);
  // linear: every message scanned once, and the dirty tenant's good messages once more (not once per
  // malformed message)
  const dirty = good.filter((m) => m.subject.endsWith(".default")).length;
  assertEquals(got.reextracted, dirty);
  assertEquals(scans(), msgs.length + dirty);
});

Deno.test("batchPartialsFor() re-extracts nothing when no message is malformed", () => {
  const msgs = Array.from({ length: 8 }, (_, i) => ({
    subject: "otlp.v1.traces.default",
    data: request(i),
    stream_seq: i + 1,
  }));
  const { ex, scans } = countingExtractor();
  const b = batchPartialsFor(ex, msgs, parts);
  assertEquals([b.reextracted, b.malformed.length, scans()], [0, 0, msgs.length]);
});

Deno.test("batchPartialsFor() reports a message on a subject that is not otlp.v1.{signal}.{tenant} as malformed", () => {
  const msgs = [
    { subject: "otlp.v1.traces.default", data: request(0), stream_seq: 1 },
    { subject: "otlp.v2.traces.default", data: request(1), stream_seq: 2 },
  ];
  const b = batchPartialsFor(new Extractor(), msgs, parts);
  assertEquals(b.malformed.map(([m]) => m.stream_seq), [2]);
  assertEquals(b.out, batchPartialsFor(new Extractor(), msgs.slice(0, 1), parts).out);
  assertEquals(b.reextracted, 0);
});
