import assert from "node:assert/strict";
import type { LocalizeInput, MetricFrame } from "../core/rca.ts";
import { classifyFault, indicatorFamily } from "./fault_classifier.ts";
import { isClusterState, reportedBySelf } from "../core/indicator_family.ts";

const N = 60;
const ONSET = 45;
/** Each indicator's shift after the onset: a constant, or one per window index. */
type Moves = Record<string, number | ((t: number) => number)>;
function frameWith(moves: Moves): MetricFrame {
  const inds = [
    "cpu",
    "mem",
    "latency_p99",
    "error_rate",
    "rps",
    "k8s.pod.network.errors",
    "restarts",
    "edge_in_latency_p90",
    "edge_in_errors",
  ];
  const m = new Map<string, Float64Array>();
  for (const [j, ind] of inds.entries()) {
    m.set(
      ind,
      Float64Array.from(
        { length: N },
        (_, t) => 10 + ((t * (j + 3)) % 5) + (t >= ONSET ? shift(moves[ind], t) : 0),
      ),
    );
  }
  return {
    times_ms: Array.from({ length: N }, (_, i) => i * 1000),
    step_ms: 1000,
    series: new Map([["svc", m]]),
  };
}
const shift = (m: Moves[string] | undefined, t: number) => typeof m === "function" ? m(t) : m ?? 0;
const cand = { service: "svc", score: 10, evidence: [] };
const classify = (moves: Moves, extra: Partial<LocalizeInput> = {}) =>
  classifyFault({ frame: frameWith(moves), anomaly_start_ms: ONSET * 1000, ...extra }, cand).fault_type;

Deno.test("classifyFault() tells cpu, memory, network delay and pod failure apart", () => {
  assert.equal(classify({ cpu: 60, latency_p99: 20 }), "cpu");
  assert.equal(classify({ mem: 60 }), "memory");
  assert.equal(classify({ latency_p99: 60 }), "network_delay");
  assert.equal(classify({ rps: -60 }), "pod_failure");
});

Deno.test("classifyFault() names the resource held high through the fault, not the one that spiked", () => {
  // a CPU hog: memory creeps up with it and bursts as the stressor ends; the burst is the higher peak
  const burst = (t: number) => (t === N - 2 ? 400 : 20);
  assert.equal(classify({ cpu: 60, mem: burst }), "cpu");
  // a memory hog whose CPU spikes once while it allocates
  assert.equal(classify({ mem: 60, cpu: (t) => (t === ONSET + 1 ? 400 : 20) }), "memory");
  // both held: the larger one
  assert.equal(classify({ cpu: 60, mem: 30 }), "cpu");
  assert.equal(classify({ cpu: 30, mem: 60 }), "memory");
});

Deno.test("classifyFault() calls its own network losses packet loss, whatever errors and latency follow", () => {
  assert.equal(classify({ "k8s.pod.network.errors": 60, error_rate: 90, latency_p99: 60 }), "packet_loss");
  // with a loss counter that stayed flat, slow calls alone are a delay, even when callers' calls fail
  assert.equal(classify({ latency_p99: 60, edge_in_latency_p90: 60, edge_in_errors: 60 }), "network_delay");
});

Deno.test("classifyFault() calls rising errors with new exception logs a code exception, without them a wrong return", () => {
  const logs = [{
    service: "svc",
    template_id: "x",
    template: "NullPointerException in handler",
    counts: Float64Array.from({ length: N }, (_, t) => (t >= ONSET ? 30 : 0)),
  }];
  assert.equal(classify({ error_rate: 60 }, { logs }), "code_exception");
  assert.equal(classify({ error_rate: 60 }), "code_return");
});

Deno.test("classifyFault() takes calls that vanished while its own traffic held for a wrong return", () => {
  // svc stops calling its callee (it returns early); its own indicators, traffic included, stay flat
  const withCallee = (callerCpu: number) => {
    const own = frameWith({ cpu: callerCpu });
    const calls = Float64Array.from({ length: N }, (_, t) => (t >= ONSET ? 20 : 100) + (t % 3));
    const series = new Map([...own.series, ["callee", new Map([["edge_in_calls", calls]])]]);
    return classifyFault({
      frame: { ...own, series },
      anomaly_start_ms: ONSET * 1000,
      graph: {
        nodes: [{ id: "svc", kind: "service" }, { id: "callee", kind: "service" }],
        edges: [{ caller: "svc", callee: "callee", calls: 100, errors: 0 }],
      },
    }, cand);
  };
  const c = withCallee(0);
  assert.equal(c.fault_type, "code_return");
  assert.match(c.evidence.join(" "), /calls to callee fell/);
  // a CPU hog of its own serves fewer calls too: that is the CPU
  assert.equal(withCallee(60).fault_type, "cpu");
  // without a traffic indicator of its own, its span rate tells what it received: users sent half as much,
  // and it called half as much, which is no code defect
  const half = (t: number) => (t >= ONSET ? 50 : 100) + (t % 3);
  const lessLoad = classifyFault({
    frame: {
      times_ms: Array.from({ length: N }, (_, i) => i * 1000),
      step_ms: 1000,
      series: new Map([
        ["svc", new Map([["rate", Float64Array.from({ length: N }, (_, t) => half(t))]])],
        ["callee", new Map([["edge_in_calls", Float64Array.from({ length: N }, (_, t) => half(t))]])],
      ]),
    },
    anomaly_start_ms: ONSET * 1000,
    graph: {
      nodes: [{ id: "svc", kind: "service" }, { id: "callee", kind: "service" }],
      edges: [{ caller: "svc", callee: "callee", calls: 100, errors: 0 }],
    },
  }, cand);
  assert.notEqual(lessLoad.fault_type, "code_return", JSON.stringify(lessLoad));
});

Deno.test("classifyFault() takes failed calls of a CPU-starved service, logless, for its timeouts", () => {
  // errors moved three times as far as CPU (from a quiet baseline they score huge): still the CPU
  assert.equal(classify({ cpu: 60, error_rate: 180, latency_p99: 40 }), "cpu");
  assert.equal(classify({ error_rate: 180 }), "code_return");
});

Deno.test("indicatorFamily() reads Vigil's and datasets' indicator names", () => {
  assert.equal(indicatorFamily("CpuUsageRate(%)"), "cpu");
  assert.equal(indicatorFamily("PodSuccessRate(%)"), "success");
  assert.equal(indicatorFamily("latency_p99"), "latency");
  assert.equal(indicatorFamily("MemoryUsage(Mi)"), "memory");
});

Deno.test("isClusterState() and reportedBySelf() tell the cluster's view of a service from its own telemetry", () => {
  for (
    const n of [
      "k8s.container.restart_count",
      "k8s.container.restarts",
      "k8s.container.ready",
      "k8s.pod.phase",
    ]
  ) {
    assert.ok(isClusterState(n) && !reportedBySelf(n), n);
  }
  for (const n of ["k8s.container.cpu_limit", "k8s.container.memory_request", "kube_pod_status_ready"]) {
    assert.ok(isClusterState(n), n);
  }
  for (const n of ["k8s.pod.cpu.usage", "k8s.pod.memory.working_set", "rate", "latency_p99", "log_count"]) {
    assert.ok(!isClusterState(n) && reportedBySelf(n), n);
  }
  for (const n of ["edge_in_calls", "EdgeLatencyP50(s)<-frontend@source"]) assert.ok(!reportedBySelf(n), n);
});

Deno.test("classifyFault() reads network errors, restarts and what callers observed", () => {
  assert.equal(indicatorFamily("k8s.pod.network.errors"), "network");
  assert.equal(indicatorFamily("edge_in_errors"), "callers");
  assert.equal(indicatorFamily("EdgeLatencyP50(s)<-frontend@source"), "callers");
  assert.equal(indicatorFamily("NodeCpuUsageRate(%)"), "host");
  assert.equal(indicatorFamily("system.cpu.utilization"), "host");
  assert.equal(indicatorFamily("NetworkReceiveBytes"), "volume");
  assert.equal(indicatorFamily("SyscallRead"), "volume");
  // callers see it slow, its own spans are not: a delay on its egress
  assert.equal(classify({ edge_in_latency_p90: 60 }), "network_delay");
  // slow and losing packets
  assert.equal(classify({ latency_p99: 60, "k8s.pod.network.errors": 60 }), "packet_loss");
  // it restarted; or its callers' calls fail while its traffic falls
  assert.equal(classify({ restarts: 60 }), "pod_failure");
  // ...named by its restarts
  const crashed = classifyFault({ frame: frameWith({ restarts: 60 }), anomaly_start_ms: ONSET * 1000 }, cand);
  assert.equal(crashed.indicator, "restarts");
  assert.equal(classify({ edge_in_errors: 60, rps: -30 }), "pod_failure");
});

Deno.test("classifyFault() names the operation whose failures rose for a code defect", () => {
  const op = (operation: string, errors: (t: number) => number, service = "svc") => ({
    service,
    operation,
    counts: Float64Array.from({ length: N }, () => 50),
    error_counts: Float64Array.from({ length: N }, (_, t) => errors(t)),
  });
  const operations = [
    op("GET /cart", (t) => t % 9 === 0 ? 1 : 0), // an old trickle
    op("POST /checkout", (t) => (t >= ONSET ? 20 : 0)), // the defect
    op("GET /health", (t) => (t >= ONSET ? 40 : 0), "other"), // another service's
    op("POST", (t) => (t >= ONSET ? 30 : 0)), // a span named by its method alone
  ];
  const input = { frame: frameWith({ error_rate: 60 }), anomaly_start_ms: ONSET * 1000, operations };
  const c = classifyFault(input, cand);
  assert.equal(c.fault_type, "code_return");
  assert.equal(c.indicator, "POST /checkout");
  assert.match(
    c.evidence.join(" "),
    /POST \/checkout" failed 20\.0 times per window since the onset \(0\.0 before\)/,
  );
  // a resource fault names its resource, whatever the operations do
  assert.equal(classifyFault({ ...input, frame: frameWith({ cpu: 60 }) }, cand).indicator, "cpu");
  // without operations (datasets, offline), no operation is named
  assert.equal(classifyFault({ ...input, operations: undefined }, cand).indicator, undefined);
});

Deno.test("classifyFault() names the operation its callers' error logs name for a wrong return", () => {
  // svc answers wrongly but fails nothing of its own; api's errors name it and one of its operations
  const col = (f: (t: number) => number) => Float64Array.from({ length: N }, (_, t) => f(t));
  const surge = (t: number) => (t >= ONSET ? 20 : 0);
  const logs = [{
    service: "api",
    template_id: "t1",
    template: "checkout failed: invalid response from svc: GET /cart",
    counts: col(surge),
    error_counts: col(surge),
  }];
  const op = (operation: string) => ({
    service: "svc",
    operation,
    counts: col(() => 50),
    error_counts: col(() => 0),
  });
  const operations = [op("GET"), op("GET /cart/items"), op("GET /cart"), op("POST /pay")];
  const c = classifyFault({ frame: frameWith({}), anomaly_start_ms: ONSET * 1000, logs, operations }, cand);
  assert.equal(c.fault_type, "code_return");
  assert.equal(c.indicator, "GET /cart");
  assert.match(c.evidence.join(" "), /callers' error logs name its operation "GET \/cart"/);
  // a span named by its method alone names nothing in particular
  const bare = [op("GET"), op("POST /pay")];
  const input = { frame: frameWith({}), anomaly_start_ms: ONSET * 1000, logs, operations: bare };
  assert.equal(classifyFault(input, cand).indicator, undefined);
  // a route with a digit reaches the template masked: "/api/v1/cart" reads "/api/<*>/cart" there
  const masked = [{ ...logs[0], template: "checkout failed: invalid response from svc: GET /api/<*>/cart" }];
  const versioned = [op("GET"), op("GET /api/v1/cart"), op("POST /api/v1/pay")];
  const v = { frame: frameWith({}), anomaly_start_ms: ONSET * 1000, logs: masked, operations: versioned };
  assert.equal(classifyFault(v, cand).indicator, "GET /api/v1/cart");
});
