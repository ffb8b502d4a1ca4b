/**
 * OTLP span scanner benchmark (not a test): the JS scanner (src/features/otlp_scan.ts) against the Wasm
 * scanner spike (kernels/bench/wasm_scan/: AssemblyScript compiled here with the kernels' release flags,
 * and its host), alone and under the feature extractor (Extractor option scan_traces), with protobufjs
 * decodes of the same requests as the baseline. After timing, it checks that both scanners report
 * identical spans and stats on every request and the same OtlpScanError on truncated copies, and that
 * the extractor gives identical windows with either (it throws, printing nothing, otherwise).
 *
 *   deno run -A kernels/bench/otlp_scan.ts [--requests 100] [--rounds 9]
 *
 * The requests are those of bench:features (src/features/bench_requests.ts). The Wasm figures include
 * the copy of each request into Wasm memory and the JS side reading every record into the span view.
 * Each round runs every contender once over all requests, in an order rotated per round, timed on this
 * thread's CPU time (Linux CLOCK_THREAD_CPUTIME_ID; wall clock elsewhere); a figure is the median over
 * rounds, and a ratio the median of the per-round ratios. Prints one JSON object.
 *
 * Result (issue 3 spike; 2-core shared AMD EPYC VM, load average 1.8-2.0, 60 requests, 11-15 rounds):
 * the Wasm scan costs 220-280 ns per span against 350-370 ns for the JS scan (1.3-1.6x; 1.86x in one
 * noisy run), decode + aggregate 330-400 ns against 470-510 ns (1.23-1.41x), which is 11.3-13.7x a
 * protobufjs decode + toObject of the same requests (JS path 9.1-9.8x in the same runs). Below the 2x
 * bar set for putting it in the product, so it stays here. Where the time goes (per span, 386 bytes):
 * the Wasm walk alone about 155 ns (TurboFan; Liftoff 340), the copy into Wasm memory about 20 ns, the
 * JS side reading the records into the span view about 45 ns. The walk is branchy byte parsing (about 25
 * tag/length pairs, 8 attribute keys, 2 interned strings per span), which V8 already compiles well from JS.
 * The bench takes its flags from kernels/build.ts (SIMD enabled); the module comes out byte-identical with
 * and without `--enable simd,relaxed-simd` (the scanner uses no v128).
 * Re-run then (same VM, load average 1.8-2.3, 60 and 100 requests, 9 rounds): Wasm scan 287-311 ns per
 * span against 363-492 ns for JS (1.27-1.63x), decode + aggregate 430-436 ns against 654-742 ns
 * (1.53-1.70x). With the requests whose client and server spans pair (database and peer attributes too),
 * load average 3.0-3.3, 100 requests: Wasm scan 312 ns against 450 (1.44x), decode + aggregate 444 against
 * 634 (1.47x); both scanners still agree on every span.
 * What JS spends to get through a request (session 7, load average 1.3, 60 requests, 9 rounds): a reference
 * walk that only reads every tag and varint and descends into every span, attribute and value costs 328 ns
 * per span, the JS scanner 417 ns, protobufjs decode + toObject 4,791 ns. 25x that baseline needs about
 * 190 ns per span, under that generic walk (the scanner was at 11.4x, the Wasm scan at 16.1x).
 * Session 8: the walk above is no floor. The JS scanner's fast path (one-byte tags matched whole, lengths
 * of one or two bytes, attributes rejected by key length and first and last byte before any compare, the
 * common AnyValue shapes read in place) and its interner (one byte arena, compared four bytes at a time:
 * an object per cached string cost more in pointer chasing than the compare itself) brought it to
 * 185-187 ns per span, 25.4-26.7x protobufjs decode + toObject (load average 0.6-0.8, 60 requests, 9
 * rounds, three runs); the Wasm scan, which mirrors the old walk, is now 0.64-0.67x the JS scanner.
 * bench:features (400 and 2,000 requests, wall clock, 7 rounds) put the same scan at 172-176 ns, 27.9-29.1x.
 */
import { otlpType } from "../../src/core/otlp/codec.ts";
import asc from "assemblyscript/asc";
import { scanTraces, type SpanView } from "../../src/features/otlp_scan.ts";
import { Extractor } from "../../src/features/extract.ts";
import { WasmTraceScanner } from "./wasm_scan/otlp_scan_wasm.ts";
import { SPANS_PER_REQUEST, traceRequest } from "../../src/features/bench_requests.ts";
import { kernelFlags } from "../build.ts";
import { threadClock } from "./thread_clock.ts";
import { load1, median } from "../../src/features/bench_host.ts";

function arg(name: string, fallback: number): number {
  const i = Deno.args.indexOf(name);
  return i >= 0 ? Number(Deno.args[i + 1]) : fallback;
}

/** Compiles kernels/bench/wasm_scan/otlp_scan.ts with the release flags of kernels/build.ts (SIMD included). */
async function compileWasmScanner(): Promise<WebAssembly.Module> {
  const entry = new URL("./wasm_scan/otlp_scan.ts", import.meta.url).pathname;
  let wasm: Uint8Array<ArrayBuffer> | undefined;
  const { error, stderr } = await asc.main(
    [entry, "--outFile", "otlp_scan.wasm", ...kernelFlags("release")],
    {
      writeFile(_name: string, contents: Uint8Array | string) {
        if (contents instanceof Uint8Array) wasm = new Uint8Array(contents);
      },
    },
  );
  if (error || wasm === undefined) throw new Error(`Cannot build the Wasm scanner: ${stderr.toString()}`);
  return new WebAssembly.Module(wasm);
}

/** Everything a span view says, as one string (ids as bytes). */
function flat(s: SpanView): string {
  return JSON.stringify([
    s.resource,
    [...s.trace_id, -1, ...s.span_id, -1, ...s.parent_span_id],
    s.name,
    s.kind,
    s.start_ms,
    s.duration_ms,
    s.status_code,
    s.http_status,
    s.grpc_status,
    s.db_system,
    s.db_name,
    s.peer_service,
    s.server_address,
    s.messaging_system,
    s.messaging_destination,
  ]);
}

/** Throws unless both scanners give the same spans, stats and error on `bytes`. */
function assertSameScan(wasm: WasmTraceScanner, bytes: Uint8Array): void {
  const run = (scan: typeof scanTraces) => {
    const spans: string[] = [];
    try {
      return { stats: scan(bytes, (s) => spans.push(flat(s))), spans, error: "" };
    } catch (e) {
      return { stats: null, spans, error: String(e) };
    }
  };
  const a = run(scanTraces);
  const b = run((x, cb, o) => wasm.scanTraces(x, cb, o));
  if (JSON.stringify(a) !== JSON.stringify(b)) {
    throw new Error(
      `The Wasm scanner differs from the JS scanner on ${bytes.length} bytes: ${
        JSON.stringify(a).slice(0, 300)
      } vs ${JSON.stringify(b).slice(0, 300)}`,
    );
  }
}

/**
 * A reference walk: it visits every tag of a request and descends into every span, span attribute and
 * value, reading varints and skipping bytes, and decides nothing (no key matched, no string made, no
 * bounds checked). What JS spends just to get through a request's structure: a scanner does more per
 * field, though it may skip a little (the values of keys it does not read).
 */
function referenceWalk(b: Uint8Array): number {
  let sum = 0;
  let pos = 0;
  const varint = (): number => {
    let x = b[pos++];
    if (x < 128) return x;
    let v = x & 127, m = 128;
    for (;;) {
      x = b[pos++];
      v += (x & 127) * m;
      if (x < 128) return v;
      m *= 128;
    }
  };
  // the fields walked into, by depth: request.resource_spans, .scope_spans, .spans, span.attributes,
  // key_value.value
  const into = (depth: number, f: number) =>
    depth === 0 ? f === 1 : depth <= 2 ? f === 2 : depth === 3 ? f === 9 : depth === 4 && f === 2;
  const walk = (end: number, depth: number): void => {
    while (pos < end) {
      const t = varint();
      const wt = t & 7;
      if (wt === 0) sum += varint();
      else if (wt === 1) pos += 8;
      else if (wt === 5) pos += 4;
      else {
        const e = varint() + pos;
        if (into(depth, t >>> 3)) walk(e, depth + 1);
        pos = e;
      }
    }
  };
  walk(b.length, 0);
  return sum;
}

if (import.meta.main) {
  const wasm = new WasmTraceScanner(await compileWasmScanner());
  const scanTracesWasm: typeof scanTraces = (b, cb, o) => wasm.scanTraces(b, cb, o);
  const nReq = arg("--requests", 100);
  const rounds = arg("--rounds", 9);
  const t0 = 1_700_000_000_000;
  const reqs = Array.from({ length: nReq }, (_, i) => traceRequest(i, t0 + i * 20));
  const clock = threadClock();
  const type = otlpType("ExportTraceServiceRequest");
  const exJs = new Extractor({ graph: false });
  const exWasm = new Extractor({ graph: false, scan_traces: scanTracesWasm });
  let sink = 0;
  const onSpan = (s: { duration_ms: number }) => {
    sink += s.duration_ms;
  };
  const contenders: [string, (b: Uint8Array) => void][] = [
    ["reference js walk", (b) => void (sink += referenceWalk(b))],
    ["js scan", (b) => void scanTraces(b, onSpan)],
    ["wasm scan", (b) => void scanTracesWasm(b, onSpan)],
    ["js decode+aggregate", (b) => void exJs.extract("traces", "default", b)],
    ["wasm decode+aggregate", (b) => void exWasm.extract("traces", "default", b)],
    ["protobufjs Type.decode", (b) => void type.decode(b)],
    ["protobufjs decode + toObject", (b) => {
      const o = type.toObject(type.decode(b), { longs: String, enums: Number, bytes: Uint8Array });
      sink += (o.resourceSpans as unknown[]).length;
    }],
  ];

  const loadBefore = load1();
  for (let w = 0; w < 3; w++) for (const [, fn] of contenders) for (const b of reqs) fn(b);
  const ms = new Map<string, number[]>(contenders.map(([l]) => [l, []]));
  for (let r = 0; r < rounds; r++) {
    for (let c = 0; c < contenders.length; c++) {
      const [label, fn] = contenders[(c + r) % contenders.length];
      const start = clock.now();
      for (const b of reqs) fn(b);
      ms.get(label)!.push(clock.now() - start);
    }
  }
  // correctness after timing (checking first would give the timed call sites other callbacks' types)
  for (const b of reqs) {
    assertSameScan(wasm, b);
    for (const cut of [1, 7, 100, b.length >> 1, b.length - 1]) assertSameScan(wasm, b.subarray(0, cut));
  }
  const same = (b: Uint8Array, ex: Extractor) =>
    JSON.stringify(ex.extract("traces", "t", b).windows.map((w) => w.toJSON()));
  if (reqs.some((b) => same(b, exJs) !== same(b, exWasm))) {
    throw new Error("The extractor's windows differ with the Wasm scanner");
  }
  const spans = nReq * SPANS_PER_REQUEST;
  const rate = (l: string) => Math.round(spans / (median(ms.get(l)!) / 1000));
  const ratio = (a: string, b: string) => {
    const ta = ms.get(a)!, tb = ms.get(b)!;
    return +median(ta.map((t, i) => tb[i] / t)).toFixed(2);
  };
  console.log(JSON.stringify(
    {
      requests: nReq,
      spans_per_request: SPANS_PER_REQUEST,
      rounds,
      clock: clock.kind,
      load_avg_1m: { before: loadBefore, after: load1(), cores: navigator.hardwareConcurrency },
      spans_per_s: Object.fromEntries(contenders.map(([l]) => [l, rate(l)])),
      ns_per_span: Object.fromEntries(
        contenders.map(([l]) => [l, +(median(ms.get(l)!) * 1e6 / spans).toFixed(1)]),
      ),
      ratios: {
        "wasm scan vs js scan": ratio("wasm scan", "js scan"),
        "js scan vs the reference js walk": ratio("js scan", "reference js walk"),
        "js scan vs protobufjs decode + toObject": ratio("js scan", "protobufjs decode + toObject"),
        "wasm scan vs protobufjs decode + toObject": ratio("wasm scan", "protobufjs decode + toObject"),
        "wasm decode+aggregate vs js decode+aggregate": ratio("wasm decode+aggregate", "js decode+aggregate"),
        "wasm decode+aggregate vs protobufjs decode + toObject": ratio(
          "wasm decode+aggregate",
          "protobufjs decode + toObject",
        ),
        "js decode+aggregate vs protobufjs decode + toObject": ratio(
          "js decode+aggregate",
          "protobufjs decode + toObject",
        ),
        "wasm decode+aggregate vs protobufjs Type.decode": ratio(
          "wasm decode+aggregate",
          "protobufjs Type.decode",
        ),
      },
      _: sink > 0 ? undefined : 0,
    },
    null,
    2,
  ));
}
