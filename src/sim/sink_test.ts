import { assert, assertEquals } from "../../tests/helpers/assert.ts";
import { decodeOtlp } from "../core/otlp/codec.ts";
import { encodeSimOtlp } from "./otlp_encode.ts";
import { encodeWithin } from "./sink.ts";
import { createSimulation } from "./simulation.ts";
import { builtinTopology } from "./topologies/mod.ts";

Deno.test("encodeWithin() splits a request by resource and by items until every part fits", () => {
  const sim = createSimulation({ topology: builtinTopology("train-ticket"), seed: 1, start_ms: 0 });
  const traces = sim.tick().traces!;
  const whole = encodeSimOtlp("traces", traces);
  const spans = traces.resourceSpans.reduce((n, r) => n + r.scopeSpans[0].spans.length, 0);
  const parts = encodeWithin("traces", traces, { encoder: encodeSimOtlp, max_bytes: 4096 });
  assert(parts.length > whole.length / 4096, `${parts.length} parts`);
  let back = 0;
  for (const p of parts) {
    assert(p.length <= 4096, `part of ${p.length} bytes`);
    for (const r of decodeOtlp("traces", p).resourceSpans) back += r.scopeSpans[0].spans.length;
  }
  assertEquals(back, spans);
  assertEquals(encodeWithin("traces", traces, { encoder: encodeSimOtlp, max_bytes: Infinity }).length, 1);
});
