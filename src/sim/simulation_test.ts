import { assert, assertEquals, assertThrows } from "../../tests/helpers/assert.ts";
import { createSimulation, type SimulationTick } from "./simulation.ts";
import { builtinTopology } from "./topologies/mod.ts";
import { loadTopologyFile } from "./topology.ts";
import { FAULT_KINDS, type FaultKind, type FaultSpec } from "./faults.ts";
import { mean, quantile, type ServiceSummary, summarizeTicks } from "./tick_summary.ts";
import { encodeSimOtlp } from "./otlp_encode.ts";
import { StatusCode } from "./otlp_json.ts";

const T0 = Date.UTC(2026, 0, 1, 12);
const FAULT_START = T0 + 60_000;
const FAULT_END = T0 + 180_000;
const ob = builtinTopology("online-boutique");

function run(
  faults: FaultSpec[],
  options: { topology?: typeof ob; seed?: number; until?: number } = {},
): SimulationTick[] {
  const sim = createSimulation({
    topology: options.topology ?? ob,
    seed: options.seed ?? 11,
    start_ms: T0,
    faults,
  });
  return [...sim.run(options.until ?? FAULT_END)];
}

function fault(kind: FaultKind, service: string, extra: Partial<FaultSpec> = {}): FaultSpec {
  return { id: `t-${kind}`, kind, service, start_ms: FAULT_START, end_ms: FAULT_END, ...extra };
}

/** Per-service summaries of the fault window, for a baseline run and a faulty run with the same seed. */
function compare(f: FaultSpec, topology = ob) {
  const base = summarizeTicks(run([], { topology }), { from_ms: FAULT_START + 10_000 });
  const ticks = run([f], { topology });
  const hit = summarizeTicks(ticks, { from_ms: FAULT_START + 10_000 });
  const get = (m: Map<string, ServiceSummary>, s: string) => {
    const v = m.get(s);
    assert(v, `no telemetry from ${s}`);
    return v;
  };
  return { base: (s: string) => get(base, s), hit: (s: string) => get(hit, s), ticks };
}

/** Rate of a cumulative series per sample (last − first over the window, divided by count). */
function growth(values: readonly number[] | undefined): number {
  if (!values || values.length < 2) return 0;
  return (values[values.length - 1] - values[0]) / (values.length - 1);
}

const p50 = (v: readonly number[]) => quantile(v, 0.5);

Deno.test("createSimulation() raises the callers' latency when a leaf service is starved of CPU", () => {
  const { base, hit } = compare(fault("cpu_hog", "productcatalogservice"));
  const leaf = [p50(base("productcatalogservice").server_ms), p50(hit("productcatalogservice").server_ms)];
  const checkout = [p50(base("checkoutservice").server_ms), p50(hit("checkoutservice").server_ms)];
  const frontend = [p50(base("frontend").server_ms), p50(hit("frontend").server_ms)];
  assert(leaf[1] > 3 * leaf[0], `leaf p50 ${leaf}`);
  assert(checkout[1] > checkout[0] + 5, `checkoutservice p50 ${checkout}`);
  assert(frontend[1] > frontend[0] + 5, `frontend p50 ${frontend}`);
});

Deno.test("createSimulation() gives the same seed the same bytes, and another seed different ones", () => {
  const encode = (seed: number) => {
    const sim = createSimulation({
      topology: builtinTopology("sock-shop"),
      seed,
      start_ms: T0,
      faults: [fault("code_exception", "carts", { start_ms: T0 + 5_000, end_ms: T0 + 20_000 })],
      encoder: encodeSimOtlp,
    });
    const chunks: Uint8Array[] = [];
    for (const t of sim.run(T0 + 30_000)) {
      for (const s of ["traces", "metrics", "logs"] as const) if (t.encoded?.[s]) chunks.push(t.encoded[s]);
    }
    return chunks;
  };
  const a = encode(5);
  const b = encode(5);
  assertEquals(a.length, b.length);
  assert(a.length > 60, `only ${a.length} messages`);
  for (let i = 0; i < a.length; i++) assert(equalBytes(a[i], b[i]), `message ${i} differs for the same seed`);
  const c = encode(6);
  assert(!equalBytes(a[0], c[0]), "a different seed produced the same first message");
});

Deno.test("createSimulation() with a fixed diurnal_phase_ms runs the same traffic whatever its start time", () => {
  const spansPerTick = (start_ms: number, diurnal_phase_ms?: number) => {
    const sim = createSimulation({ topology: ob, seed: 3, start_ms, diurnal_phase_ms });
    return [...sim.run(start_ms + 600_000)].map((t) => t.stats.spans);
  };
  const later = T0 + 37 * 60_000; // the demo's runs start whenever the user runs them
  assertEquals(spansPerTick(later, 14 * 3_600_000), spansPerTick(T0, 14 * 3_600_000));
  // by default the load follows the time of day, so another start time is another run
  assert(
    JSON.stringify(spansPerTick(later)) !== JSON.stringify(spansPerTick(T0)),
    "the load cycle ignored the start time",
  );
});

function equalBytes(x: Uint8Array, y: Uint8Array): boolean {
  if (x.length !== y.length) return false;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

Deno.test("createSimulation() puts semantic-convention resource attributes on every resource", () => {
  const ticks = run([], { topology: builtinTopology("sock-shop"), until: T0 + 10_000 });
  const required = ["service.name", "service.instance.id", "k8s.pod.name", "k8s.namespace.name", "host.name"];
  let resources = 0;
  for (const t of ticks) {
    const all = [
      ...(t.traces?.resourceSpans ?? []),
      ...(t.logs?.resourceLogs ?? []),
      ...(t.metrics?.resourceMetrics ?? []),
    ];
    for (const r of all) {
      const keys = new Set(r.resource.attributes.map((a) => a.key));
      if (!keys.has("service.name")) {
        assert(keys.has("host.name"), "a resource without service.name must be a host");
        continue;
      }
      resources++;
      for (const k of required) assert(keys.has(k), `resource of ${[...keys]} lacks ${k}`);
    }
  }
  assert(resources > 50, `only ${resources} resources`);
});

Deno.test("createSimulation() emits HTTP, gRPC, database and messaging span attributes", () => {
  const seen = new Set<string>();
  for (const topology of [ob, builtinTopology("sock-shop")]) {
    for (const t of run([], { topology, until: T0 + 20_000 })) {
      for (const rs of t.traces?.resourceSpans ?? []) {
        for (const s of rs.scopeSpans[0].spans) {
          for (const a of s.attributes) seen.add(`${s.kind}:${a.key}=${a.value.stringValue ?? ""}`);
        }
      }
    }
  }
  for (
    const want of [
      "2:http.request.method=GET", // HTTP server
      "2:rpc.system=grpc", // gRPC server
      "3:db.system=redis", // Redis client span
      "3:db.system=mongodb",
      "3:db.system=mysql",
      "3:peer.service=carts-db",
      "4:messaging.system=rabbitmq", // producer
      "5:messaging.system=rabbitmq", // consumer
    ]
  ) {
    assert(seen.has(want), `no span with ${want}`);
  }
});

Deno.test("createSimulation() amplifies a slow dependency through timeouts and retries", async () => {
  const topology = await loadTopologyFile(
    new URL("../../config/topologies/payments-api.yaml", import.meta.url).pathname,
  );
  const { base, hit, ticks } = compare(fault("network_delay", "risk", { intensity: 1 }), topology);
  // gateway → risk has timeout_ms 300 and one retry: every slow call is retried, so risk gets more requests.
  assert(
    hit("risk").server_spans > 1.5 * base("risk").server_spans,
    `risk handled ${hit("risk").server_spans} vs ${base("risk").server_spans} requests`,
  );
  let resends = 0;
  let timeouts = 0;
  for (const t of ticks) {
    for (const rs of t.traces?.resourceSpans ?? []) {
      for (const s of rs.scopeSpans[0].spans) {
        if (s.attributes.some((a) => a.key === "http.request.resend_count")) resends++;
        if (s.attributes.some((a) => a.key === "error.type" && a.value.stringValue === "timeout")) timeouts++;
      }
    }
  }
  assert(resends > 100 && timeouts > 100, `resends ${resends}, timeouts ${timeouts}`);
  assert((hit("gateway").logs.WARN ?? 0) > 100, "no timeout warnings from the caller");
});

/** The signature each fault must leave, checked on Online Boutique against a fault-free run. */
const SIGNATURES: Record<FaultKind, { service: string; check: (c: ReturnType<typeof compare>) => void }> = {
  cpu_hog: {
    service: "productcatalogservice",
    check: ({ base, hit }) => {
      const cpu = mean(hit("productcatalogservice").metrics["k8s.pod.cpu.usage"]);
      assert(
        cpu > 0.7 && cpu > 5 * mean(base("productcatalogservice").metrics["k8s.pod.cpu.usage"]),
        `cpu ${cpu}`,
      );
    },
  },
  cpu_contention: {
    service: "currencyservice",
    check: ({ base, hit, ticks }) => {
      const cpu = mean(hit("currencyservice").metrics["k8s.pod.cpu.usage"]);
      assert(cpu > 0.5, `cpu ${cpu}`);
      assert(
        p50(hit("currencyservice").server_ms) > 2 * p50(base("currencyservice").server_ms),
        "no slowdown",
      );
      // The noisy neighbour shows on the host too.
      const host = ticks.at(-1)!.metrics!.resourceMetrics.filter((r) =>
        !r.resource.attributes.some((a) => a.key === "service.name")
      );
      assert(
        host.some((r) => r.scopeMetrics[0].metrics[0].gauge!.dataPoints[0].asDouble > 0.25),
        "host cpu flat",
      );
    },
  },
  memory_leak: {
    service: "cartservice",
    check: ({ base, hit }) => {
      const mem = hit("cartservice").metrics["k8s.pod.memory_limit_utilization"];
      assert(mem.at(-1)! > 0.7 && mem.at(-1)! > mem[0] + 0.3, `memory ${mem[0]} → ${mem.at(-1)}`);
      const gc = growth(hit("cartservice").metrics["process.runtime.gc.duration"]);
      assert(gc > 2 * growth(base("cartservice").metrics["process.runtime.gc.duration"]), "GC time flat");
    },
  },
  network_delay: {
    service: "productcatalogservice",
    check: ({ base, hit }) => {
      const inbound = [
        p50(base("productcatalogservice").inbound_ms),
        p50(hit("productcatalogservice").inbound_ms),
      ];
      assert(inbound[1] > inbound[0] + 100, `callers' view ${inbound}`);
      // Its own server spans stay fast: the delay is on the wire ...
      const own = [p50(base("productcatalogservice").server_ms), p50(hit("productcatalogservice").server_ms)];
      assert(own[1] < 2 * own[0] + 1, `own p50 ${own}`);
      // ... so the most anomalous server latency is upstream, not at the root cause.
      const fe = p50(hit("frontend").server_ms) - p50(base("frontend").server_ms);
      assert(fe > 10 * (own[1] - own[0]), `frontend +${fe} ms vs root +${own[1] - own[0]} ms`);
    },
  },
  packet_loss: {
    service: "cartservice",
    check: ({ base, hit }) => {
      const err = growth(hit("cartservice").metrics["k8s.pod.network.errors{network.io.direction=transmit}"]);
      assert(
        err > 1 &&
          err >
            10 * growth(base("cartservice").metrics["k8s.pod.network.errors{network.io.direction=transmit}"]),
      );
      const p99 = quantile(hit("cartservice").inbound_ms, 0.99);
      assert(p99 > 200, `callers' p99 ${p99} ms`);
    },
  },
  disk_io: {
    service: "redis-cart",
    check: ({ base, hit }) => {
      const t = growth(hit("redis-cart").metrics["container.disk.operation_time"]);
      assert(t > 10 * growth(base("redis-cart").metrics["container.disk.operation_time"]), `disk time ${t}`);
      assert(
        p50(hit("redis-cart").inbound_ms) > 2 * p50(base("redis-cart").inbound_ms),
        "redis calls not slower",
      );
    },
  },
  pod_failure: {
    service: "productcatalogservice",
    check: ({ hit, ticks }) => {
      const s = hit("productcatalogservice");
      assertEquals(s.server_spans, 0);
      assert(s.inbound_errors > 100, `callers saw ${s.inbound_errors} errors`);
      assert(hit("frontend").server_errors > 100, "no errors upstream");
      assert((s.logs.FATAL ?? 0) === 0, "FATAL was logged at the crash, before the window");
      // The cluster reports its restart count while it is down: CrashLoopBackOff restarts it 10 s, 30 s,
      // 70 s ... after the crash (the crash is the first), so 4 restarts within the 120 s fault.
      const restarts = s.metrics["k8s.container.restart_count"] ?? [];
      assert(restarts.length > 5, `restart count reported ${restarts.length} times while down`);
      assertEquals(Math.max(...restarts), 4);
      assert(restarts.every((v, i) => i === 0 || v >= restarts[i - 1]), `restarts ${restarts}`);
      // After the fault it comes back, restarted once.
      const after = summarizeTicks(ticks, { from_ms: FAULT_START - 5_000, to_ms: FAULT_START + 5_000 });
      assertEquals(after.get("productcatalogservice")!.logs.FATAL, 1);
    },
  },
  code_return: {
    service: "productcatalogservice",
    check: ({ base, hit }) => {
      const root = hit("productcatalogservice");
      assert(
        root.server_errors <= base("productcatalogservice").server_errors + 3,
        "the root reports errors itself",
      );
      assertEquals(root.exceptions, 0);
      assert(
        hit("frontend").server_errors > 10 * (base("frontend").server_errors + 1),
        "callers do not fail",
      );
      assert((hit("frontend").logs.ERROR ?? 0) > 100, "callers log no errors");
    },
  },
  code_exception: {
    service: "productcatalogservice",
    check: ({ hit }) => {
      const root = hit("productcatalogservice");
      assert(root.exceptions > 100, `${root.exceptions} exception events`);
      assert((root.logs.ERROR ?? 0) >= root.exceptions, "exceptions without ERROR logs");
      assert(hit("frontend").server_errors > 100, "no errors upstream");
    },
  },
};

for (const kind of FAULT_KINDS) {
  Deno.test(`createSimulation() shows the signature of ${kind}`, () => {
    const sig = SIGNATURES[kind];
    const extra: Partial<FaultSpec> = kind === "code_return" || kind === "code_exception"
      ? { endpoint: "hipstershop.ProductCatalogService/GetProduct" }
      : {};
    const c = compare(fault(kind, sig.service, extra));
    sig.check(c);
    // Faults are reported as active exactly while they last.
    assert(c.ticks.some((t) => t.active_faults.length === 1 && t.start_ms >= FAULT_START));
    assert(c.ticks.filter((t) => t.end_ms <= FAULT_START).every((t) => t.active_faults.length === 0));
  });
}

Deno.test("createSimulation() marks failed spans with status ERROR and error.type", () => {
  const ticks = run([fault("code_exception", "cartservice", { intensity: 1 })]);
  let errors = 0;
  for (const t of ticks) {
    for (const rs of t.traces?.resourceSpans ?? []) {
      for (const s of rs.scopeSpans[0].spans) {
        if (s.status?.code === StatusCode.ERROR) {
          errors++;
          assert(s.attributes.some((a) => a.key === "error.type"), `error span ${s.name} without error.type`);
        }
      }
    }
  }
  assert(errors > 100);
});

Deno.test("createSimulation() rejects bad options naming the value", () => {
  assertThrows(
    () => createSimulation({ topology: ob, seed: 1, start_ms: T0, step_ms: 0 }),
    RangeError,
    "current value is 0",
  );
  assertThrows(
    () => createSimulation({ topology: ob, seed: 1, start_ms: T0, metric_interval_ms: 1500 }),
    RangeError,
    "current value is 1500",
  );
  assertThrows(
    () => createSimulation({ topology: ob, seed: 1, start_ms: T0, faults: [fault("cpu_hog", "nosuch")] }),
    RangeError,
    "current value is nosuch",
  );
  assertThrows(
    () =>
      createSimulation({
        topology: ob,
        seed: 1,
        start_ms: T0,
        faults: [fault("code_return", "cartservice", { endpoint: "Nope" })],
      }),
    RangeError,
    "current value is Nope",
  );
});
