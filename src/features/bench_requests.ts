/**
 * The ExportTraceServiceRequests the feature benchmarks decode (bench:features, src/graph/
 * graph_assembler_bench.ts and kernels/bench/otlp_scan.ts): 512 spans each, 8 attributes per span (OTel
 * semantic conventions), 4 resource attributes per service, 20 services with 3 endpoints each (about 180
 * (service, operation) series and 195 KB per request; the requests before pairing was added had 160 and
 * 199 KB, and graph halves that never paired). Deterministic in the seed.
 *
 * A request holds 64 traces of 8 spans, a call chain A → B → C across three services:
 *
 * ```
 * s0 A server  GET /api/v1/resource{op}   root (a resource link for the graph, no half)
 * s1 A internal render resource{op}
 * s2 A client  GET → B                    pairs with s3 (same request)
 * s3 B server  parent s2
 * s4 B client  SELECT items{op}           db.system.name postgresql: a database edge at once
 * s5 B client  GET → C                    pairs with s6; in 1 trace of 8 C is an uninstrumented external
 *                                         API (no s6): the half expires into a virtual_node edge
 * s6 C server  parent s5                  in half of the traces, exported in the next request
 *                                         (B internal validate resource{op} when C is external)
 * s7 A internal serialize resource{op}
 * ```
 *
 * So a request carries the server halves that close 24 calls of the previous request, and leaves 24 of its
 * own open until the next one; request 0 carries those of 24 calls that began before the first request
 * (their clients never come: they expire unpaired), and the last request's 24 open calls expire into
 * virtual_node edges. Over N requests in order: 120 N − 24 paired calls, 64 N database edges, 8 N + 24
 * virtual_node edges (see bench_requests_test.ts). A deferred server span keeps its trace's offsets but
 * takes this request's `t0`, as if exported at once.
 *
 * @module
 */
import { int, type KeyValue, type OtlpSpan, str } from "../sim/otlp_json.ts";
import { encodeOtlp } from "../core/otlp/codec.ts";

export const SPANS_PER_REQUEST = 512;
/** Spans per trace (the call chain in the module docs). */
const TRACE_SPANS = 8;
/** Traces per request. */
const TRACES_PER_REQUEST = SPANS_PER_REQUEST / TRACE_SPANS;

const SERVICES = 20;
const ENDPOINTS = 3;

const hex = (n: number, b: number) => n.toString(16).padStart(2 * b, "0");
/** A well-mixed 32-bit hash of a trace number. */
const mix = (g: number) => Math.imul(g ^ (g >>> 15), 0x9e3779b1) >>> 0;

/** The C of trace g is an uninstrumented external API (no server span). */
const external = (g: number) => g % 8 === 7;
/** The C server span of trace g is exported in the request after its client's. */
const deferred = (g: number) => g % 2 === 1 && !external(g);

const KIND = { internal: 1, server: 2, client: 3 } as const;

/**
 * The spans of trace g (a global trace number) whose trace starts at `t_ns`, by service, split into those
 * exported with the trace and the deferred C server span (or none).
 */
function traceSpans(g: number, t_ns: bigint, out: Map<number, OtlpSpan[]>, late: boolean): void {
  const h = mix(g);
  const a = g % SERVICES;
  const b = (a + 1 + (g % (SERVICES - 1))) % SERVICES;
  const c = (b + 1 + ((h >>> 8) % (SERVICES - 1))) % SERVICES;
  const op = (h >>> 3) % ENDPOINTS;
  const route = `/api/v1/resource${op}`;
  const traceId = hex(g + 1, 16);
  const id = (s: number) => hex(g * TRACE_SPANS + s + 1, 8);
  const failed = h % 50 === 0; // C answers 503 (B's call fails with it)
  const us = (n: number) => BigInt(Math.round(n)) * 1000n;
  // durations in µs, nested: C server inside B's call, B server inside A's call
  const d6 = 1_000 + (h % 19_000);
  const d5 = d6 + 300;
  const d4 = 500 + ((h >>> 5) % 4_500);
  const d3 = 400 + d4 + 50 + d5 + 200;
  const d2 = d3 + 300;
  const d1 = 100 + d2 + 300;
  const d7 = 200 + ((h >>> 11) % 800);
  const d0 = 100 + d1 + 50 + d7 + 100;
  const s0 = 0, s1 = 100, s2 = 200, s3 = 350, s4 = s3 + 400, s5 = s4 + d4 + 50, s6 = s5 + 150;
  const s7 = s1 + d1 + 50;
  const span = (
    svc: number,
    s: number,
    parent: number | undefined,
    kind: number,
    name: string,
    start: number,
    dur: number,
    attributes: KeyValue[],
    error = false,
  ) => {
    const st = t_ns + us(start);
    const list = out.get(svc) ?? [];
    list.push({
      traceId,
      spanId: id(s),
      parentSpanId: parent === undefined ? undefined : id(parent),
      name,
      kind,
      startTimeUnixNano: st.toString(),
      endTimeUnixNano: (st + us(dur)).toString(),
      attributes,
      status: { code: error ? 2 : 0 },
    });
    out.set(svc, list);
  };
  const server = (svc: number, status: number) => [
    str("http.request.method", "GET"),
    str("http.route", route),
    str("url.path", `${route}/${g}`),
    int("http.response.status_code", status),
    str("server.address", `svc${svc}`),
    int("server.port", 8080),
    str("network.protocol.version", "1.1"),
    str("user_agent.original", "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko)"),
  ];
  const client = (host: string, status: number) => [
    str("http.request.method", "GET"),
    str("url.full", `http://${host}:8080${route}/${g}?id=${h % 1000}&fields=name,price`),
    str("url.template", route),
    int("http.response.status_code", status),
    str("server.address", host),
    int("server.port", 8080),
    str("network.protocol.version", "1.1"),
    str("network.peer.address", `10.0.${c}.${(h >>> 4) % 250}`),
  ];
  const internal = (fn: string) => [
    str("code.function.name", `${fn}Resource${op}`),
    str("code.file.path", `/usr/src/app/services/api/handlers/resource${op}.handler.js`),
    int("code.line.number", 40 + op),
    int("thread.id", 1),
    str("thread.name", "main"),
    str("app.tenant", "default"),
    int("app.items", h % 100),
    str("app.cache", h % 3 === 0 ? "miss" : "hit"),
  ];
  if (late) {
    if (deferred(g)) {
      span(c, 6, 5, KIND.server, `GET ${route}`, s6, d6, server(c, failed ? 503 : 200), failed);
    }
    return;
  }
  const rootError = h % 97 === 0;
  span(a, 0, undefined, KIND.server, `GET ${route}`, s0, d0, server(a, rootError ? 500 : 200), rootError);
  span(a, 1, 0, KIND.internal, `render resource${op}`, s1, d1, internal("render"));
  span(a, 2, 1, KIND.client, `GET ${route}`, s2, d2, client(`svc${b}`, 200));
  span(b, 3, 2, KIND.server, `GET ${route}`, s3, d3, server(b, 200));
  span(b, 4, 3, KIND.client, `SELECT items${op}`, s4, d4, [
    str("db.system.name", "postgresql"),
    str("db.namespace", `shop${b % 4}`),
    str("db.operation.name", "SELECT"),
    str("db.collection.name", `items${op}`),
    str("db.query.text", `SELECT id, name, price, stock FROM items${op} WHERE id = $1 AND tenant = $2`),
    str("server.address", `postgres-${b % 4}`),
    int("server.port", 5432),
    str("network.peer.address", `10.1.0.${b % 4}`),
  ]);
  const callee = external(g) ? "api.payments.example.com" : `svc${c}`;
  span(b, 5, 3, KIND.client, `GET ${route}`, s5, d5, client(callee, failed ? 503 : 200), failed);
  if (external(g)) {
    span(b, 6, 3, KIND.internal, `validate resource${op}`, s5 + d5 + 50, d7, internal("validate"));
  } else if (!deferred(g)) {
    span(c, 6, 5, KIND.server, `GET ${route}`, s6, d6, server(c, failed ? 503 : 200), failed);
  }
  span(a, 7, 0, KIND.internal, `serialize resource${op}`, s7, d7, internal("serialize"));
}

/** Request number `seed` (0, 1, ...), its traces starting at epoch ms t0 (over its first 10 ms). */
export function traceRequest(seed: number, t0: number): Uint8Array {
  const byService = new Map<number, OtlpSpan[]>();
  // trace numbers start one request up, so that request 0's late server halves have trace numbers too
  const first = (seed + 1) * TRACES_PER_REQUEST;
  for (let j = 0; j < TRACES_PER_REQUEST; j++) {
    const t = BigInt(t0) * 1_000_000n + BigInt(Math.floor((j * 10_000) / TRACES_PER_REQUEST)) * 1000n;
    traceSpans(first - TRACES_PER_REQUEST + j, t, byService, true);
    traceSpans(first + j, t, byService, false);
  }
  return encodeOtlp("traces", {
    resourceSpans: [...byService].map(([svc, spans]) => ({
      resource: {
        attributes: [
          str("service.name", `svc${svc}`),
          str("k8s.pod.name", `svc${svc}-7d9f8-abcde`),
          str("host.name", `node-${svc % 3}`),
          str("telemetry.sdk.language", "nodejs"),
        ],
      },
      scopeSpans: [{ scope: { name: "@opentelemetry/instrumentation-http", version: "0.200.0" }, spans }],
    })),
  });
}
