/**
 * The simulation engine: a discrete-time model of a microservice system under user load and injected
 * faults, producing OTLP traces, metrics and logs on a simulated clock.
 *
 * Model, per tick of `step_ms`:
 * - Entry requests arrive as a Poisson process whose rate follows a daily cycle with slow AR(1) noise.
 * - Each request walks its endpoint's call tree. A server's self time is log-normal, stretched by the
 *   pod's CPU saturation (1 / (1 − ρ), ρ from the previous tick's demand plus any hog or contention, so
 *   retries feed back into load) and by GC pressure as memory fills. Calls add network time (netem delay,
 *   TCP retransmission stalls under loss), honour the caller's timeout (the callee keeps working, the
 *   caller gives up), retry, and propagate failures upward unless marked optional.
 * - Pods accumulate CPU, memory, network and disk usage, which become resource metrics every
 *   `metric_interval_ms`; servers record request-duration histograms; logs carry INFO chatter and the
 *   WARN / ERROR lines of timeouts, retries, exceptions and crashes.
 * The model reads no wall clock and draws every random number from one seeded {@link Prng}: the same
 * options give the same ticks, byte for byte.
 */
import { Prng } from "./prng.ts";
import type { Call, Endpoint, Service, Topology } from "./topology.ts";
import { FAULT_CATALOGUE, type FaultKind, type FaultSpec } from "./faults.ts";
import {
  cumulativeSum,
  type ExportLogsServiceRequest,
  type ExportMetricsServiceRequest,
  type ExportTraceServiceRequest,
  gauge,
  type HistogramDataPoint,
  int,
  type KeyValue,
  nanos,
  type NumberDataPoint,
  type OtlpLogRecord,
  type OtlpMetric,
  type OtlpResource,
  type OtlpScope,
  type OtlpSpan,
  Severity,
  SpanKind,
  StatusCode,
  str,
} from "./otlp_json.ts";
import type { OtlpSignal } from "../bus/subjects.ts";

/** Turns an OTLP request object into protobuf bytes (the lead's `encodeOtlp` has this shape). */
export type OtlpEncoder = (signal: OtlpSignal, request: object) => Uint8Array;

export interface SimulationOptions {
  /** A validated topology (see parseTopology / builtinTopology). */
  readonly topology: Topology;
  /** Seed of every random draw. */
  readonly seed: string | number;
  /** Simulated epoch ms of the first tick. */
  readonly start_ms: number;
  /** Tick length. @default 1000 */
  readonly step_ms?: number;
  /** Resource metrics and histograms are emitted every this many ms (a multiple of step_ms). @default 5000 */
  readonly metric_interval_ms?: number;
  /** Faults to inject (see planFaultCases). @default [] */
  readonly faults?: readonly FaultSpec[];
  /** Fraction of traces whose spans are emitted (all are simulated and counted in metrics). @default 1 */
  readonly trace_sample_ratio?: number;
  /** Fraction of successful server requests that write an INFO log line. @default 0.2 */
  readonly info_log_ratio?: number;
  /** Overrides the topology's mean entry rate. */
  readonly rps?: number;
  /** When given, each tick also carries the protobuf bytes of its requests. */
  readonly encoder?: OtlpEncoder;
  /**
   * Where the daily load cycle stands at start_ms, as ms since the cycle's origin (UTC midnight when the
   * period is a day). By default start_ms itself: the load follows the time of day. A fixed value makes
   * a run the same whatever its start time (the demo's live runs start at the wall clock).
   */
  readonly diurnal_phase_ms?: number;
}

export interface TickStats {
  readonly requests: number;
  readonly failed_requests: number;
  readonly spans: number;
  readonly metric_points: number;
  readonly log_records: number;
}

export interface SimulationTick {
  readonly index: number;
  readonly start_ms: number;
  readonly end_ms: number;
  /** Undefined when the tick produced nothing of that signal. */
  readonly traces?: ExportTraceServiceRequest;
  readonly metrics?: ExportMetricsServiceRequest;
  readonly logs?: ExportLogsServiceRequest;
  /** Present when an encoder was given; only for the signals present above. */
  readonly encoded?: Partial<Record<OtlpSignal, Uint8Array>>;
  readonly active_faults: readonly FaultSpec[];
  readonly stats: TickStats;
}

export interface PodInfo {
  readonly service: string;
  readonly pod: string;
  readonly instance_id: string;
  readonly host: string;
  readonly replica: number;
}

export interface Simulation {
  readonly topology: Topology;
  readonly pods: readonly PodInfo[];
  /** Simulated time of the next tick's start. */
  readonly now_ms: number;
  /** Advances one tick. */
  tick(): SimulationTick;
  /** Ticks until the simulated clock reaches `end_ms` (exclusive of a tick starting at end_ms). */
  run(end_ms: number): Generator<SimulationTick>;
}

// ---------------------------------------------------------------------------------------------------
// Runtime structures

interface HostRt {
  readonly name: string;
  readonly cpu_cores: number;
  readonly memory_gb: number;
  readonly resource: OtlpResource;
  /** Extra CPU (cores) burnt by contention on this host in the current tick. */
  contention_cores: number;
  /** CPU core-seconds used since the last metric emission. */
  cpu_usage_acc: number;
  mem_mb_used: number;
  rx_bytes: number;
  tx_bytes: number;
}

interface HistAcc {
  readonly attributes: KeyValue[];
  count: number;
  sum_s: number;
  readonly buckets: number[];
}

interface Pod {
  readonly svc: SvcRt;
  readonly replica: number;
  readonly name: string;
  readonly uid: string;
  readonly host: HostRt;
  readonly resource: OtlpResource;
  readonly address: string;
  // lifecycle
  process_start_ms: number;
  restarts: number;
  down: boolean;
  /** When the pod crashed (its restarts then follow kubelet's CrashLoopBackOff). */
  down_since_ms: number;
  /** Its restart count when it crashed. */
  restarts_at_crash: number;
  // per-tick accumulators
  cpu_ms: number;
  requests: number;
  rx_bytes: number;
  tx_bytes: number;
  disk_read_kb: number;
  disk_write_kb: number;
  disk_ops: number;
  disk_time_ms: number;
  retransmits: number;
  // cumulative since process start (for cumulative sums)
  cum_cpu_s: number;
  cum_rx: number;
  cum_tx: number;
  cum_disk_read: number;
  cum_disk_write: number;
  cum_disk_time_s: number;
  cum_net_errors: number;
  cum_gc_s: number;
  hist: Map<string, HistAcc>;
  /** CPU core-seconds used since the last metric emission. */
  cpu_usage_acc: number;
  // state derived at the start of each tick
  demand_cores: number;
  lat_factor: number;
  mem_mb: number;
  gc_fraction: number;
  /** CPU burnt by a thrashing collector (cores). */
  gc_cores: number;
  // faults in force
  stress_cores: number;
  leak_mb: number;
  egress_delay_ms: number;
  loss: number;
  disk_factor: number;
  code_faults: Map<string, { kind: FaultKind; p: number }>;
  // output of the tick
  spans: OtlpSpan[];
  logs: OtlpLogRecord[];
}

interface SvcRt {
  readonly spec: Service;
  readonly pods: Pod[];
  readonly endpoints: Map<string, EpRt>;
  readonly exceptionTypes: readonly string[];
  rr: number;
}

interface EpRt {
  readonly spec: Endpoint;
  readonly svc: SvcRt;
  readonly cpu_ms: number;
  readonly error_rate: number;
  /** Constant part of this endpoint's server (or consumer) span attributes. */
  readonly serverAttrs: KeyValue[];
  readonly spanName: string;
  readonly log?: readonly string[];
  readonly histKeyPrefix: string;
  readonly histAttrs: KeyValue[];
  calls: CallRt[];
}

interface CallRt {
  readonly spec: Call;
  readonly callee: EpRt;
  readonly via?: SvcRt;
  readonly timeout_ms: number;
  readonly retries: number;
  /** Constant part of the caller-side (client / producer) span attributes. */
  readonly clientAttrs: KeyValue[];
  readonly clientName: string;
  readonly clientKind: number;
}

interface ReqCtx {
  readonly traceId: string;
  readonly sampled: boolean;
}

interface CallResult {
  end: number;
  ok: boolean;
}

interface ServeResult {
  end: number;
  error: boolean;
  /** Success status but a wrong payload (code_return). */
  wrong: boolean;
}

const HTTP_METHOD_RE = /^(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS) (\S+)$/;
const DURATION_BOUNDS_S = [
  0.005,
  0.01,
  0.025,
  0.05,
  0.075,
  0.1,
  0.25,
  0.5,
  0.75,
  1,
  2.5,
  5,
  7.5,
  10,
] as const;
const K8S_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
const NET_BASE_MS = 0.15;
const RTO_MS = 200;
const SCOPE: OtlpScope = { name: "vigil-sim", version: "0.1.0" };

const EXCEPTIONS: Record<Service["runtime"], readonly string[]> = {
  java: [
    "java.lang.NullPointerException",
    "java.lang.IllegalStateException",
    "java.lang.ArithmeticException",
  ],
  go: ["*errors.errorString", "runtime.Error"],
  nodejs: ["TypeError", "RangeError"],
  python: ["ValueError", "KeyError", "TypeError"],
  dotnet: ["System.InvalidOperationException", "System.NullReferenceException"],
  native: ["Error"],
};

/** Status attributes shared across spans (the encoder only reads). */
const statusAttrCache = new Map<string, KeyValue>();
function cachedInt(key: string, value: number): KeyValue {
  const k = `${key}=${value}`;
  let kv = statusAttrCache.get(k);
  if (!kv) statusAttrCache.set(k, kv = int(key, value));
  return kv;
}
function cachedStr(key: string, value: string): KeyValue {
  const k = `${key}=${value}`;
  let kv = statusAttrCache.get(k);
  if (!kv) statusAttrCache.set(k, kv = str(key, value));
  return kv;
}

function compileTemplate(t: string | undefined): string[] | undefined {
  return t === undefined ? undefined : t.split(/\{(\w+)\}/);
}

function k8sSuffix(rng: Prng, n: number): string {
  let s = "";
  for (let i = 0; i < n; i++) s += K8S_ALPHABET[rng.int(K8S_ALPHABET.length)];
  return s;
}

function runtimeLanguage(r: Service["runtime"]): string {
  return r === "native" ? "cpp" : r;
}

/**
 * Creates a simulation. Validation of the options happens here, once; ticking never throws for a valid
 * simulation.
 * @throws RangeError when a step, interval, ratio or fault is invalid (the message names the value).
 */
export function createSimulation(options: SimulationOptions): Simulation {
  const step = options.step_ms ?? 1000;
  const metricEvery = options.metric_interval_ms ?? 5000;
  if (!(step > 0 && Number.isInteger(step))) {
    throw new RangeError(`Cannot simulate as step_ms must be a positive integer: current value is ${step}`);
  }
  if (!(metricEvery >= step && metricEvery % step === 0)) {
    throw new RangeError(
      `Cannot simulate as metric_interval_ms must be a multiple of step_ms (${step}): current value is ${metricEvery}`,
    );
  }
  const sampleRatio = options.trace_sample_ratio ?? 1;
  if (!(sampleRatio >= 0 && sampleRatio <= 1)) {
    throw new RangeError(
      `Cannot simulate as trace_sample_ratio must be in [0, 1]: current value is ${sampleRatio}`,
    );
  }
  const infoRatio = options.info_log_ratio ?? 0.2;
  if (!(infoRatio >= 0 && infoRatio <= 1)) {
    throw new RangeError(
      `Cannot simulate as info_log_ratio must be in [0, 1]: current value is ${infoRatio}`,
    );
  }
  if (!Number.isFinite(options.start_ms)) {
    throw new RangeError(
      `Cannot simulate as start_ms must be a finite epoch ms: current value is ${options.start_ms}`,
    );
  }
  const topo = options.topology;
  const rps = options.rps ?? topo.load.rps;
  if (!(rps > 0)) throw new RangeError(`Cannot simulate as rps must be > 0: current value is ${rps}`);

  const rng = new Prng(options.seed);
  const naming = rng.fork("naming");

  // Hosts
  const hostSpecs = topo.hosts ??
    Array.from(
      { length: topo.host_count },
      (_, i) => ({ name: `node-${i + 1}`, cpu_cores: 8, memory_gb: 32 }),
    );
  const hosts: HostRt[] = hostSpecs.map((h) => ({
    name: h.name,
    cpu_cores: h.cpu_cores,
    memory_gb: h.memory_gb,
    resource: { attributes: [str("host.name", h.name), str("k8s.node.name", h.name)] },
    contention_cores: 0,
    cpu_usage_acc: 0,
    mem_mb_used: 0,
    rx_bytes: 0,
    tx_bytes: 0,
  }));

  // Services and pods
  const services = new Map<string, SvcRt>();
  const allPods: Pod[] = [];
  let hostCursor = 0;
  for (const spec of topo.services) {
    const svc: SvcRt = {
      spec,
      pods: [],
      endpoints: new Map(),
      exceptionTypes: EXCEPTIONS[spec.runtime],
      rr: 0,
    };
    services.set(spec.name, svc);
    const rsHash = k8sSuffix(naming, 9);
    for (let r = 0; r < spec.replicas; r++) {
      const host = hosts[hostCursor++ % hosts.length];
      const name = spec.kind === "service"
        ? `${spec.name}-${rsHash}-${k8sSuffix(naming, 5)}`
        : `${spec.name}-${r}`;
      const uid = `${naming.hex(4)}-${naming.hex(2)}-${naming.hex(2)}-${naming.hex(2)}-${naming.hex(6)}`;
      const resource: OtlpResource = {
        attributes: [
          str("service.name", spec.name),
          str("service.namespace", topo.namespace),
          str("service.version", spec.version),
          str("service.instance.id", uid),
          str("k8s.namespace.name", topo.namespace),
          str(spec.kind === "service" ? "k8s.deployment.name" : "k8s.statefulset.name", spec.name),
          str("k8s.pod.name", name),
          str("k8s.pod.uid", uid),
          str("k8s.container.name", spec.name),
          str("k8s.node.name", host.name),
          str("host.name", host.name),
          str("telemetry.sdk.name", "opentelemetry"),
          str("telemetry.sdk.language", runtimeLanguage(spec.runtime)),
          str("vigil.service.kind", spec.kind),
        ],
      };
      const pod: Pod = {
        svc,
        replica: r,
        name,
        uid,
        host,
        resource,
        address: `${name}.${topo.namespace}.svc.cluster.local`,
        process_start_ms: options.start_ms,
        restarts: 0,
        down: false,
        down_since_ms: 0,
        restarts_at_crash: 0,
        cpu_ms: 0,
        requests: 0,
        rx_bytes: 0,
        tx_bytes: 0,
        disk_read_kb: 0,
        disk_write_kb: 0,
        disk_ops: 0,
        disk_time_ms: 0,
        retransmits: 0,
        cum_cpu_s: 0,
        cum_rx: 0,
        cum_tx: 0,
        cum_disk_read: 0,
        cum_disk_write: 0,
        cum_disk_time_s: 0,
        cum_net_errors: 0,
        cum_gc_s: 0,
        hist: new Map(),
        cpu_usage_acc: 0,
        demand_cores: 0,
        lat_factor: 1,
        mem_mb: spec.memory_base_mb,
        gc_fraction: 0.01,
        gc_cores: 0,
        stress_cores: 0,
        leak_mb: 0,
        egress_delay_ms: 0,
        loss: 0,
        disk_factor: 1,
        code_faults: new Map(),
        spans: [],
        logs: [],
      };
      svc.pods.push(pod);
      allPods.push(pod);
    }
  }

  // Endpoints
  for (const svc of services.values()) {
    const s = svc.spec;
    for (const e of s.endpoints) {
      let serverAttrs: KeyValue[];
      let histAttrs: KeyValue[];
      if (s.kind !== "service") {
        serverAttrs = [];
        histAttrs = [];
      } else if (e.name.startsWith("consume ")) {
        const dest = e.name.slice("consume ".length);
        serverAttrs = [str("messaging.operation.type", "process"), str("messaging.destination.name", dest)];
        histAttrs = [str("messaging.destination.name", dest)];
      } else if (s.protocol === "grpc") {
        const slash = e.name.lastIndexOf("/");
        const rpcService = slash > 0 ? e.name.slice(0, slash) : s.name;
        const rpcMethod = slash > 0 ? e.name.slice(slash + 1) : e.name;
        serverAttrs = [
          str("rpc.system", "grpc"),
          str("rpc.service", rpcService),
          str("rpc.method", rpcMethod),
        ];
        histAttrs = serverAttrs;
      } else {
        const m = HTTP_METHOD_RE.exec(e.name);
        const method = m ? m[1] : "POST";
        const route = m ? m[2] : `/${e.name}`;
        serverAttrs = [
          str("http.request.method", method),
          str("http.route", route),
          str("url.path", route),
          str("url.scheme", "http"),
          str("server.address", s.name),
          int("server.port", 8080),
        ];
        histAttrs = [str("http.request.method", method), str("http.route", route)];
      }
      svc.endpoints.set(e.name, {
        spec: e,
        svc,
        cpu_ms: e.cpu_ms ?? e.self_ms * 0.6,
        error_rate: e.error_rate ?? s.error_rate,
        serverAttrs,
        spanName: e.name,
        log: compileTemplate(e.log),
        histKeyPrefix: `${e.name}|`,
        histAttrs,
        calls: [],
      });
    }
  }
  for (const svc of services.values()) {
    for (const ep of svc.endpoints.values()) {
      ep.calls = ep.spec.calls.map((c) => compileCall(svc, c));
    }
  }

  function compileCall(caller: SvcRt, c: Call): CallRt {
    const calleeSvc = services.get(c.service)!;
    const callee = calleeSvc.endpoints.get(c.endpoint)!;
    const cs = calleeSvc.spec;
    const timeout_ms = c.timeout_ms ?? caller.spec.timeout_ms;
    const retries = c.retries ?? caller.spec.retries;
    if (c.via !== undefined) {
      const q = services.get(c.via)!;
      const dest = c.endpoint.startsWith("consume ") ? c.endpoint.slice("consume ".length) : c.endpoint;
      return {
        spec: c,
        callee,
        via: q,
        timeout_ms,
        retries,
        clientKind: SpanKind.PRODUCER,
        clientName: `publish ${dest}`,
        clientAttrs: [
          str("messaging.system", q.spec.messaging_system!),
          str("messaging.operation.type", "publish"),
          str("messaging.destination.name", dest),
          str("server.address", q.spec.name),
          int("server.port", 5672),
          str("peer.service", q.spec.name),
        ],
      };
    }
    if (cs.kind === "database" || cs.kind === "cache") {
      return {
        spec: c,
        callee,
        timeout_ms,
        retries,
        clientKind: SpanKind.CLIENT,
        clientName: `${c.endpoint} ${cs.name}`,
        clientAttrs: [
          str("db.system", cs.db_system!),
          str("db.system.name", cs.db_system!),
          str("db.operation.name", c.endpoint),
          str("db.namespace", cs.name),
          str("server.address", cs.name),
          int("server.port", dbPort(cs.db_system!)),
          str("peer.service", cs.name),
        ],
      };
    }
    if (cs.protocol === "grpc") {
      return {
        spec: c,
        callee,
        timeout_ms,
        retries,
        clientKind: SpanKind.CLIENT,
        clientName: c.endpoint,
        clientAttrs: [
          ...callee.serverAttrs,
          str("server.address", cs.name),
          int("server.port", 50051),
          str("peer.service", cs.name),
        ],
      };
    }
    const method = callee.serverAttrs[0].value.stringValue!;
    const route = callee.serverAttrs[1].value.stringValue!;
    return {
      spec: c,
      callee,
      timeout_ms,
      retries,
      clientKind: SpanKind.CLIENT,
      clientName: method,
      clientAttrs: [
        str("http.request.method", method),
        str("url.full", `http://${cs.name}:8080${route}`),
        str("server.address", cs.name),
        int("server.port", 8080),
        str("peer.service", cs.name),
      ],
    };
  }

  // Faults, checked once.
  const faults = [...(options.faults ?? [])].sort((a, b) =>
    a.start_ms - b.start_ms || a.id.localeCompare(b.id)
  );
  for (const f of faults) {
    const svc = services.get(f.service);
    if (!svc) {
      throw new RangeError(
        `Cannot inject fault ${f.id} as its service is unknown: current value is ${f.service}`,
      );
    }
    if (!(f.end_ms > f.start_ms)) {
      throw new RangeError(
        `Cannot inject fault ${f.id} as end_ms must be > start_ms: current value is ${f.end_ms}`,
      );
    }
    const replica = f.pod ?? 0;
    if (!(replica >= 0 && replica < svc.pods.length)) {
      throw new RangeError(
        `Cannot inject fault ${f.id} as pod must be in [0, ${svc.pods.length}): current value is ${replica}`,
      );
    }
    if (f.endpoint !== undefined && !svc.endpoints.has(f.endpoint)) {
      throw new RangeError(
        `Cannot inject fault ${f.id} as ${f.service} has no endpoint: current value is ${f.endpoint}`,
      );
    }
    if (f.intensity !== undefined && !(f.intensity > 0 && f.intensity <= 1)) {
      throw new RangeError(
        `Cannot inject fault ${f.id} as intensity must be in (0, 1]: current value is ${f.intensity}`,
      );
    }
  }

  const entries = topo.entrypoints.map((e) => services.get(e.service)!.endpoints.get(e.endpoint)!);
  const entryWeights = topo.entrypoints.map((e) => e.weight);
  const entryTotal = entryWeights.reduce((a, b) => a + b, 0);

  let now = options.start_ms;
  let index = 0;
  let noise = 0;
  const podInfos: PodInfo[] = allPods.map((p) => ({
    service: p.svc.spec.name,
    pod: p.name,
    instance_id: p.uid,
    host: p.host.name,
    replica: p.replica,
  }));

  // -------------------------------------------------------------------------------------------------
  // Per-tick state

  function applyFaults(t0: number, t1: number): FaultSpec[] {
    for (const p of allPods) {
      p.stress_cores = 0;
      p.leak_mb = 0;
      p.egress_delay_ms = 0;
      p.loss = 0;
      p.disk_factor = 1;
      if (p.code_faults.size > 0) p.code_faults.clear();
    }
    for (const h of hosts) h.contention_cores = 0;
    const active: FaultSpec[] = [];
    for (const f of faults) {
      if (f.start_ms >= t1) break;
      const svc = services.get(f.service)!;
      const pod = svc.pods[f.pod ?? 0];
      const wasDown = pod.down;
      if (f.end_ms <= t0) {
        // A crashed pod comes back when its fault ends.
        if (f.kind === "pod_failure" && wasDown && f.end_ms > t0 - step) restart(pod, f.end_ms);
        continue;
      }
      active.push(f);
      const x = f.intensity ?? FAULT_CATALOGUE[f.kind].default_intensity;
      const limit = svc.spec.cpu_limit_cores;
      switch (f.kind) {
        case "cpu_hog":
          pod.stress_cores += x * limit;
          break;
        case "cpu_contention":
          pod.stress_cores += x * limit * 0.9;
          pod.host.contention_cores += x * 2;
          break;
        case "memory_leak": {
          const headroom = svc.spec.memory_limit_mb - svc.spec.memory_base_mb;
          const frac = Math.min(1, (t1 - f.start_ms) / Math.max(60_000, (f.end_ms - f.start_ms) * 0.8));
          pod.leak_mb += headroom * (0.05 + 0.9 * x) * frac;
          break;
        }
        case "network_delay":
          pod.egress_delay_ms += 50 + 350 * x;
          break;
        case "packet_loss":
          pod.loss = 1 - (1 - pod.loss) * (1 - 0.3 * x);
          break;
        case "disk_io":
          pod.disk_factor *= 1 + 40 * x;
          break;
        case "pod_failure":
          if (!wasDown) {
            pod.down = true;
            pod.down_since_ms = Math.max(t0, f.start_ms);
            pod.restarts_at_crash = pod.restarts;
            logAt(
              pod,
              Math.max(t0, f.start_ms),
              Severity.FATAL,
              "FATAL",
              `${svc.spec.name} terminated: signal: killed`,
            );
          }
          // CrashLoopBackOff: kubelet restarts the container after 10 s, 20 s, 40 s, ... (at most 5 min),
          // and it crashes again at once
          pod.restarts = pod.restarts_at_crash + crashLoopRestarts(t1 - pod.down_since_ms);
          break;
        case "code_return":
        case "code_exception": {
          const ep = f.endpoint ?? svc.spec.endpoints[0].name;
          pod.code_faults.set(ep, { kind: f.kind, p: x });
          break;
        }
      }
    }
    return active;
  }

  /** Restarts of a crash-looping container `down_ms` after it first crashed (the crash itself is one). */
  function crashLoopRestarts(down_ms: number): number {
    let n = 1, at = 0, delay = 10_000;
    while (at + delay <= down_ms) {
      at += delay;
      n++;
      delay = Math.min(2 * delay, 300_000);
    }
    return n;
  }

  function restart(pod: Pod, at_ms: number) {
    pod.down = false;
    pod.process_start_ms = at_ms;
    pod.cum_cpu_s =
      pod.cum_rx =
      pod.cum_tx =
      pod.cum_disk_read =
      pod.cum_disk_write =
        0;
    pod.cum_disk_time_s = pod.cum_net_errors = pod.cum_gc_s = 0;
    pod.hist = new Map();
    pod.mem_mb = pod.svc.spec.memory_base_mb;
    logAt(pod, at_ms, Severity.INFO, "INFO", `Starting ${pod.svc.spec.name} version ${pod.svc.spec.version}`);
  }

  function updatePodState() {
    for (const p of allPods) {
      const s = p.svc.spec;
      const limit = s.cpu_limit_cores;
      const memMb = s.memory_base_mb * (1 + 0.15 * Math.min(1, p.demand_cores / limit)) + p.leak_mb;
      p.mem_mb = Math.min(memMb, s.memory_limit_mb * 0.98);
      const u = p.mem_mb / s.memory_limit_mb;
      const gcp = u > 0.7 ? ((u - 0.7) / 0.28) ** 2 : 0;
      p.gc_fraction = s.runtime === "native" || s.runtime === "go" && gcp === 0 ? 0.005 : 0.01 + 0.35 * gcp;
      // A nearly full heap makes the collector thrash: CPU burnt regardless of traffic.
      p.gc_cores = s.runtime === "native" ? 0 : gcp * 0.4 * limit;
      // Host neighbours of a contention fault lose a little capacity too.
      const hostSteal = p.host.contention_cores / p.host.cpu_cores;
      const rho = Math.min(
        0.97,
        (p.demand_cores * (1 + p.gc_fraction) + p.stress_cores) / limit + hostSteal * 0.3,
      );
      p.lat_factor = (1 / (1 - rho)) * (1 + 3 * gcp);
    }
  }

  function nextRate(t: number): number {
    const l = topo.load;
    const cycle_t = t - options.start_ms + (options.diurnal_phase_ms ?? options.start_ms);
    const phase = (2 * Math.PI * ((cycle_t / 1000) % l.diurnal_period_s)) / l.diurnal_period_s;
    // Peak mid-afternoon when the period is a day (UTC), trough in the early morning.
    const diurnal = 1 + l.diurnal_amplitude * Math.sin(phase - Math.PI * 0.75);
    const a = Math.exp(-step / 60_000);
    noise = a * noise + Math.sqrt(1 - a * a) * l.noise * rng.normal();
    return rps * diurnal * Math.exp(noise - (l.noise * l.noise) / 2);
  }

  // -------------------------------------------------------------------------------------------------
  // Requests

  function pickPod(svc: SvcRt): Pod {
    const pods = svc.pods;
    if (pods.length === 1) return pods[0];
    svc.rr = (svc.rr + 1 + rng.int(2)) % pods.length;
    return pods[svc.rr];
  }

  /** One-way network time for a message leaving `from`, counting TCP retransmission stalls. */
  function netDelay(from: Pod, bytes: number): number {
    let d = NET_BASE_MS + bytes / 1.2e6; // ~10 Gbit/s
    from.tx_bytes += bytes;
    if (from.egress_delay_ms > 0) d += from.egress_delay_ms * (0.9 + 0.2 * rng.next());
    if (from.loss > 0) {
      let rto = RTO_MS;
      while (rng.chance(from.loss) && rto <= 6400) {
        d += rto;
        rto *= 2;
        from.retransmits++;
      }
    }
    return d;
  }

  function logAt(
    pod: Pod,
    ms: number,
    sev: number,
    sevText: string,
    body: string,
    traceId?: string,
    spanId?: string,
    attributes: KeyValue[] = [],
  ) {
    const t = nanos(ms);
    const rec: OtlpLogRecord = {
      timeUnixNano: t,
      observedTimeUnixNano: t,
      severityNumber: sev,
      severityText: sevText,
      body: { stringValue: body },
      attributes,
    };
    if (traceId !== undefined && spanId !== undefined) {
      rec.traceId = traceId;
      rec.spanId = spanId;
    }
    pod.logs.push(rec);
  }

  function fill(parts: readonly string[], durMs: number): string {
    let s = parts[0];
    for (let i = 1; i < parts.length; i += 2) {
      switch (parts[i]) {
        case "ms":
          s += Math.round(durMs);
          break;
        case "user":
          s += `user${rng.int(5000)}`;
          break;
        case "session":
          s += rng.hex(8);
          break;
        case "currency":
          s += rng.pick(["USD", "EUR", "JPY", "GBP", "CAD"]);
          break;
        case "amount":
          s += (5 + rng.next() * 200).toFixed(2);
          break;
        case "n":
          s += 1 + rng.int(9);
          break;
        case "word":
          s += rng.pick(["clothing", "accessories", "kitchen", "footwear", "hair"]);
          break;
        default:
          s += rng.hex(6);
      }
      s += parts[i + 1];
    }
    return s;
  }

  function recordHist(pod: Pod, ep: EpRt, code: number, durMs: number) {
    const key = ep.histKeyPrefix + code;
    let h = pod.hist.get(key);
    if (!h) {
      const codeAttr = pod.svc.spec.protocol === "grpc"
        ? cachedInt("rpc.grpc.status_code", code)
        : cachedInt("http.response.status_code", code);
      h = {
        attributes: [...ep.histAttrs, codeAttr],
        count: 0,
        sum_s: 0,
        buckets: new Array(DURATION_BOUNDS_S.length + 1).fill(0),
      };
      pod.hist.set(key, h);
    }
    const s = durMs / 1000;
    h.count++;
    h.sum_s += s;
    let b = 0;
    while (b < DURATION_BOUNDS_S.length && s > DURATION_BOUNDS_S[b]) b++;
    h.buckets[b]++;
  }

  /** A server (or queue consumer) handling one request that arrives at `t0`. */
  function serve(
    pod: Pod,
    ep: EpRt,
    t0: number,
    ctx: ReqCtx,
    parentSpanId: string | undefined,
    kind: number,
    messagingSystem?: string,
  ): ServeResult {
    const spanId = ctx.sampled ? rng.hex(8) : "";
    const spec = ep.spec;
    pod.requests++;
    pod.rx_bytes += 600;
    pod.cpu_ms += ep.cpu_ms * (0.8 + 0.4 * rng.next());
    let self = spec.self_ms > 0 ? rng.lognormal(spec.self_ms, spec.sigma) * pod.lat_factor : 0;
    // Synchronous disk (and log writes) are slowed by disk contention.
    const diskMs = (spec.disk_kb * 0.01 + 0.02) * pod.disk_factor;
    self += diskMs;
    pod.disk_ops += 1;
    pod.disk_write_kb += spec.disk_kb * 0.6 + 0.2;
    pod.disk_read_kb += spec.disk_kb * 0.4;
    pod.disk_time_ms += diskMs;
    const pre = self * 0.35;
    let cursor = t0 + pre;
    let groupStart = cursor;
    let failedCall: CallRt | undefined;
    let wrongFrom: CallRt | undefined;
    for (const c of ep.calls) {
      if (c.spec.probability < 1 && !rng.chance(c.spec.probability)) continue;
      const start = c.spec.parallel ? groupStart : cursor;
      if (!c.spec.parallel) groupStart = start;
      let end = start;
      for (let r = 0; r < c.spec.repeat; r++) {
        const res = doCall(pod, c, end + 0.02, ctx, spanId);
        end = res.end;
        if (!res.ok) {
          if (res.wrong) wrongFrom ??= c;
          else if (!c.spec.optional) failedCall ??= c;
          else if (ctx.sampled) {
            logAt(
              pod,
              end,
              Severity.WARN,
              "WARN",
              `${c.callee.svc.spec.name} unavailable, continuing without it`,
              ctx.traceId,
              spanId,
            );
          }
          if (!c.spec.optional) break;
        }
      }
      cursor = Math.max(cursor, end);
    }
    const end = cursor + (self - pre);
    const dur = end - t0;

    // Outcome
    let error = false;
    let wrong = false;
    let errorType = "";
    let message = "";
    const code = pod.code_faults.size > 0 ? pod.code_faults.get(spec.name) : undefined;
    let exception: string | undefined;
    if (failedCall) {
      error = true;
      errorType = "upstream";
      message = `call to ${failedCall.callee.svc.spec.name} failed`;
    } else if (wrongFrom) {
      error = true;
      errorType = "invalid_response";
      message = `invalid response from ${wrongFrom.callee.svc.spec.name}: ${wrongFrom.callee.spec.name}`;
    } else if (code && rng.chance(code.p)) {
      if (code.kind === "code_exception") {
        error = true;
        exception = rng.pick(pod.svc.exceptionTypes);
        errorType = exception;
        message = `${exception}: unexpected state while handling ${spec.name}`;
      } else {
        wrong = true;
      }
    } else if (rng.chance(ep.error_rate)) {
      error = true;
      errorType = "internal";
      message = `internal error while handling ${spec.name}`;
    }
    const grpc = pod.svc.spec.protocol === "grpc";
    const statusCode = grpc ? (error ? (failedCall ? 14 : 13) : 0) : (error ? (failedCall ? 503 : 500) : 200);
    if (pod.svc.spec.kind === "service") recordHist(pod, ep, statusCode, dur);
    pod.tx_bytes += spec.response_kb * 1024;

    if (ctx.sampled) {
      const attributes = kind === SpanKind.CONSUMER
        ? [cachedStr("messaging.system", messagingSystem ?? "unknown"), ...ep.serverAttrs]
        : [
          ...ep.serverAttrs,
          grpc
            ? cachedInt("rpc.grpc.status_code", statusCode)
            : cachedInt("http.response.status_code", statusCode),
        ];
      const span: OtlpSpan = {
        traceId: ctx.traceId,
        spanId,
        name: ep.spanName,
        kind,
        startTimeUnixNano: nanos(t0),
        endTimeUnixNano: nanos(end),
        attributes,
      };
      if (parentSpanId) span.parentSpanId = parentSpanId;
      if (error) {
        span.status = { code: StatusCode.ERROR, message };
        attributes.push(cachedStr("error.type", errorType));
      }
      if (exception !== undefined) {
        span.events = [{
          timeUnixNano: nanos(end - 0.1),
          name: "exception",
          attributes: [
            str("exception.type", exception),
            str("exception.message", message),
            str(
              "exception.stacktrace",
              `${exception}: ${message}\n    at ${pod.svc.spec.name}.handle(${spec.name})`,
            ),
          ],
        }];
      }
      pod.spans.push(span);
    }
    // Logs: errors always, INFO chatter sampled.
    if (exception !== undefined) {
      logAt(
        pod,
        end,
        Severity.ERROR,
        "ERROR",
        `Unhandled exception in ${spec.name}: ${message}`,
        ctx.traceId,
        spanId,
        [
          str("exception.type", exception),
        ],
      );
    } else if (error) {
      logAt(pod, end, Severity.ERROR, "ERROR", `${spec.name} failed: ${message}`, ctx.traceId, spanId);
    } else if (ep.log && rng.chance(infoRatio)) {
      logAt(pod, end, Severity.INFO, "INFO", fill(ep.log, dur), ctx.traceId, spanId);
    }
    if (pod.gc_fraction > 0.15 && rng.chance(0.02)) {
      logAt(
        pod,
        end,
        Severity.WARN,
        "WARN",
        `GC overhead high: heap ${Math.round((100 * pod.mem_mb) / pod.svc.spec.memory_limit_mb)}% of limit`,
      );
    }
    if (pod.disk_factor > 5 && rng.chance(0.02)) {
      logAt(pod, end, Severity.WARN, "WARN", `slow disk write: ${diskMs.toFixed(1)} ms`);
    }
    return { end, error, wrong };
  }

  /** The caller side of one call (with retries), starting at `t`. */
  function doCall(
    caller: Pod,
    c: CallRt,
    t: number,
    ctx: ReqCtx,
    parentSpanId: string,
  ): CallResult & { wrong: boolean } {
    const calleeSvc = c.via ?? c.callee.svc;
    const isData = calleeSvc.spec.kind === "database" || calleeSvc.spec.kind === "cache";
    let start = t;
    for (let attempt = 0; attempt <= c.retries; attempt++) {
      const target = pickPod(calleeSvc);
      const clientSpanId = ctx.sampled ? rng.hex(8) : "";
      let end: number;
      let ok = true;
      let wrong = false;
      let errType = "";
      let errMsg = "";
      let status = 0;
      if (target.down) {
        end = start + 1 + rng.next();
        ok = false;
        errType = "connection_refused";
        errMsg = `dial tcp ${target.address}: connect: connection refused`;
        caller.cum_net_errors++;
      } else if (c.via !== undefined || isData) {
        // A database/cache/queue operation: the peer does the work, no server span of its own.
        const q = c.via !== undefined ? target.svc.endpoints.values().next().value! : c.callee;
        target.requests++;
        target.cpu_ms += q.cpu_ms * (0.8 + 0.4 * rng.next());
        const diskMs = q.spec.disk_kb > 0 ? (0.05 + q.spec.disk_kb * 0.01) * target.disk_factor : 0;
        target.disk_ops += 1;
        target.disk_time_ms += diskMs;
        target.disk_write_kb += q.spec.disk_kb * 0.5;
        target.disk_read_kb += q.spec.disk_kb * 0.5;
        target.rx_bytes += 400;
        const work = rng.lognormal(q.spec.self_ms, q.spec.sigma) * target.lat_factor + diskMs;
        end = start + netDelay(caller, 400) + work + netDelay(target, q.spec.response_kb * 1024);
        caller.rx_bytes += q.spec.response_kb * 1024;
      } else {
        const arrive = start + netDelay(caller, 600);
        const res = serve(target, c.callee, arrive, ctx, clientSpanId || undefined, SpanKind.SERVER);
        end = res.end + netDelay(target, c.callee.spec.response_kb * 1024);
        caller.rx_bytes += c.callee.spec.response_kb * 1024;
        if (res.error) {
          ok = false;
          errType = "upstream_error";
          errMsg = `${c.callee.spec.name} returned an error`;
          status = 500;
        } else if (res.wrong) {
          wrong = true;
        }
      }
      let timedOut = false;
      if (end - start > c.timeout_ms) {
        timedOut = true;
        end = start + c.timeout_ms;
        ok = false;
        wrong = false;
        errType = "timeout";
        errMsg = `context deadline exceeded after ${c.timeout_ms} ms calling ${c.callee.svc.spec.name}`;
      }
      if (ctx.sampled) {
        const attributes = [...c.clientAttrs];
        if (!isData && c.via === undefined) {
          const grpc = c.callee.svc.spec.protocol === "grpc";
          const code = ok
            ? (grpc ? 0 : 200)
            : timedOut
            ? (grpc ? 4 : 504)
            : (grpc ? (status ? 13 : 14) : (status || 503));
          if (!(timedOut && !grpc) && !(errType === "connection_refused" && !grpc)) {
            attributes.push(
              grpc ? cachedInt("rpc.grpc.status_code", code) : cachedInt("http.response.status_code", code),
            );
          }
        }
        if (attempt > 0) attributes.push(cachedInt("http.request.resend_count", attempt));
        const span: OtlpSpan = {
          traceId: ctx.traceId,
          spanId: clientSpanId,
          parentSpanId,
          name: c.clientName,
          kind: c.clientKind,
          startTimeUnixNano: nanos(start),
          endTimeUnixNano: nanos(end),
          attributes,
        };
        if (!ok) {
          span.status = { code: StatusCode.ERROR, message: errMsg };
          attributes.push(cachedStr("error.type", errType));
        }
        caller.spans.push(span);
      }
      if (c.via !== undefined && ok) {
        // The consumer picks the message up later, in the same trace.
        const consumerSvc = c.callee.svc;
        const consumer = pickPod(consumerSvc);
        if (!consumer.down) {
          const pickup = end + rng.lognormal(4, 0.6) * target.lat_factor;
          serve(
            consumer,
            c.callee,
            pickup,
            ctx,
            clientSpanId || undefined,
            SpanKind.CONSUMER,
            c.via.spec.messaging_system,
          );
        }
      }
      if (ok || wrong) return { end, ok: ok && !wrong, wrong };
      const willRetry = attempt < c.retries;
      if (timedOut || errType === "connection_refused") {
        logAt(
          caller,
          end,
          Severity.WARN,
          "WARN",
          `${errMsg}${willRetry ? `, retrying (attempt ${attempt + 2} of ${c.retries + 1})` : ""}`,
          ctx.sampled ? ctx.traceId : undefined,
          ctx.sampled ? parentSpanId : undefined,
        );
      }
      if (!willRetry) return { end, ok: false, wrong: false };
      start = end + 5 + rng.next() * 20 * (attempt + 1);
    }
    return { end: start, ok: false, wrong: false };
  }

  // -------------------------------------------------------------------------------------------------
  // Metrics

  /** A pod's restart count (what the cluster reports of it, whether it runs or not). */
  function restartCount(p: Pod, ts: string) {
    return gauge("k8s.container.restart_count", "{restart}", [{ timeUnixNano: ts, asDouble: p.restarts }]);
  }

  function emitMetrics(t: number, intervalMs: number): ExportMetricsServiceRequest["resourceMetrics"] {
    const out: ExportMetricsServiceRequest["resourceMetrics"] = [];
    const ts = nanos(t);
    const intervalS = intervalMs / 1000;
    for (const p of allPods) {
      if (p.down) {
        // A crashed pod reports nothing itself; its restart count still comes from the cluster (the
        // Collector's k8s_cluster receiver, service.name set by the k8sattributes processor).
        out.push({
          resource: p.resource,
          scopeMetrics: [{
            scope: SCOPE,
            metrics: [restartCount(p, ts)],
          }],
        });
        continue;
      }
      const s = p.svc.spec;
      const start = nanos(p.process_start_ms);
      const cpuCores = Math.min(s.cpu_limit_cores, p.cpu_usage_acc / intervalS);
      const point = (v: number, attributes?: KeyValue[]): NumberDataPoint =>
        attributes ? { attributes, timeUnixNano: ts, asDouble: v } : { timeUnixNano: ts, asDouble: v };
      const cum = (v: number, attributes?: KeyValue[]): NumberDataPoint =>
        attributes
          ? { attributes, startTimeUnixNano: start, timeUnixNano: ts, asDouble: v }
          : { startTimeUnixNano: start, timeUnixNano: ts, asDouble: v };
      const metrics: OtlpMetric[] = [
        gauge("k8s.pod.cpu.usage", "{cpu}", [point(cpuCores)]),
        gauge("k8s.pod.cpu_limit_utilization", "1", [point(cpuCores / s.cpu_limit_cores)]),
        cumulativeSum("k8s.pod.cpu.time", "s", [cum(p.cum_cpu_s)]),
        gauge("k8s.pod.memory.working_set", "By", [point(Math.round(p.mem_mb * 1048576))]),
        gauge("k8s.pod.memory_limit_utilization", "1", [point(p.mem_mb / s.memory_limit_mb)]),
        cumulativeSum("k8s.pod.network.io", "By", [
          cum(p.cum_rx, [cachedStr("network.io.direction", "receive")]),
          cum(p.cum_tx, [cachedStr("network.io.direction", "transmit")]),
        ]),
        cumulativeSum("k8s.pod.network.errors", "{error}", [
          cum(p.cum_net_errors, [cachedStr("network.io.direction", "transmit")]),
        ]),
        cumulativeSum("container.disk.io", "By", [
          cum(p.cum_disk_read, [cachedStr("disk.io.direction", "read")]),
          cum(p.cum_disk_write, [cachedStr("disk.io.direction", "write")]),
        ]),
        cumulativeSum("container.disk.operation_time", "s", [cum(p.cum_disk_time_s)]),
        restartCount(p, ts),
      ];
      if (s.runtime !== "native") {
        metrics.push(
          gauge("process.runtime.heap.used", "By", [point(Math.round(p.mem_mb * 0.7 * 1048576))]),
          cumulativeSum("process.runtime.gc.duration", "s", [cum(p.cum_gc_s)]),
        );
      }
      if (p.hist.size > 0) {
        const dps: HistogramDataPoint[] = [];
        for (const h of p.hist.values()) {
          dps.push({
            attributes: h.attributes,
            startTimeUnixNano: start,
            timeUnixNano: ts,
            count: h.count,
            sum: h.sum_s,
            bucketCounts: [...h.buckets],
            explicitBounds: DURATION_BOUNDS_S,
          });
        }
        const name = s.protocol === "grpc" ? "rpc.server.call.duration" : "http.server.request.duration";
        metrics.push({ name, unit: "s", histogram: { dataPoints: dps, aggregationTemporality: 2 } });
      }
      p.cpu_usage_acc = 0;
      out.push({ resource: p.resource, scopeMetrics: [{ scope: SCOPE, metrics }] });
    }
    for (const h of hosts) {
      const point = (v: number): NumberDataPoint => ({ timeUnixNano: ts, asDouble: v });
      out.push({
        resource: h.resource,
        scopeMetrics: [{
          scope: SCOPE,
          metrics: [
            gauge("system.cpu.utilization", "1", [
              point(Math.min(1, h.cpu_usage_acc / intervalS / h.cpu_cores)),
            ]),
            gauge("system.memory.utilization", "1", [
              point(Math.min(1, h.mem_mb_used / (h.memory_gb * 1024))),
            ]),
          ],
        }],
      });
      h.cpu_usage_acc = 0;
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------------
  // The tick

  function tick(): SimulationTick {
    const t0 = now;
    const t1 = now + step;
    const active = applyFaults(t0, t1);
    updatePodState();

    const rate = nextRate(t0);
    const n = rng.poisson((rate * step) / 1000);
    let tickFailed = 0;
    for (let i = 0; i < n; i++) {
      const at = t0 + rng.next() * step;
      const ep = entries[rng.weighted(entryWeights, entryTotal)];
      const sampled = sampleRatio >= 1 || rng.chance(sampleRatio);
      const ctx: ReqCtx = { traceId: sampled ? rng.hex(16) : "", sampled };
      const pod = pickPod(ep.svc);
      if (pod.down) {
        tickFailed++;
        continue;
      }
      const res = serve(pod, ep, at, ctx, undefined, SpanKind.SERVER);
      if (res.error) tickFailed++;
    }

    // Resource accounting for the tick.
    const stepS = step / 1000;
    for (const h of hosts) h.mem_mb_used = 0;
    for (const p of allPods) {
      const s = p.svc.spec;
      if (p.down) {
        p.demand_cores = 0;
        resetTickAcc(p);
        continue;
      }
      const demand = p.cpu_ms / step;
      p.demand_cores = demand;
      const idle = 0.004 + 0.002 * rng.next();
      const used = Math.min(
        s.cpu_limit_cores,
        demand * (1 + p.gc_fraction) + p.gc_cores + p.stress_cores + idle,
      );
      p.cpu_usage_acc += used * stepS;
      p.cum_cpu_s += used * stepS;
      p.cum_gc_s += (demand * p.gc_fraction + p.gc_cores) * stepS +
        (s.runtime !== "native" ? 0.0005 * stepS : 0);
      p.cum_rx += p.rx_bytes;
      p.cum_tx += p.tx_bytes;
      p.cum_net_errors += p.retransmits;
      p.cum_disk_read += p.disk_read_kb * 1024;
      p.cum_disk_write += p.disk_write_kb * 1024;
      // Background disk activity (log rotation, checkpoints) also feels the contention.
      p.cum_disk_time_s += (p.disk_time_ms + 2 * p.disk_factor * stepS) / 1000;
      p.host.cpu_usage_acc += used * stepS;
      p.host.mem_mb_used += p.mem_mb;
      resetTickAcc(p);
    }
    for (const h of hosts) h.cpu_usage_acc += (h.contention_cores + 0.3) * stepS;

    let metrics: ExportMetricsServiceRequest | undefined;
    let metricPoints = 0;
    if ((index + 1) % (metricEvery / step) === 0) {
      const rm = emitMetrics(t1, metricEvery);
      metrics = { resourceMetrics: rm };
      for (const r of rm) {
        for (const sm of r.scopeMetrics) {
          for (const m of sm.metrics) metricPoints += (m.gauge ?? m.sum ?? m.histogram)!.dataPoints.length;
        }
      }
    }

    const resourceSpans: ExportTraceServiceRequest["resourceSpans"] = [];
    const resourceLogs: ExportLogsServiceRequest["resourceLogs"] = [];
    let spanCount = 0;
    let logCount = 0;
    for (const p of allPods) {
      if (p.spans.length > 0) {
        spanCount += p.spans.length;
        resourceSpans.push({ resource: p.resource, scopeSpans: [{ scope: SCOPE, spans: p.spans }] });
        p.spans = [];
      }
      if (p.logs.length > 0) {
        logCount += p.logs.length;
        p.logs.sort((a, b) =>
          (a.timeUnixNano.length - b.timeUnixNano.length) ||
          (a.timeUnixNano < b.timeUnixNano ? -1 : a.timeUnixNano > b.timeUnixNano ? 1 : 0)
        );
        resourceLogs.push({ resource: p.resource, scopeLogs: [{ scope: SCOPE, logRecords: p.logs }] });
        p.logs = [];
      }
    }
    const traces = resourceSpans.length > 0 ? { resourceSpans } : undefined;
    const logs = resourceLogs.length > 0 ? { resourceLogs } : undefined;
    let encoded: Partial<Record<OtlpSignal, Uint8Array>> | undefined;
    if (options.encoder) {
      encoded = {};
      if (traces) encoded.traces = options.encoder("traces", traces);
      if (metrics) encoded.metrics = options.encoder("metrics", metrics);
      if (logs) encoded.logs = options.encoder("logs", logs);
    }
    const result: SimulationTick = {
      index,
      start_ms: t0,
      end_ms: t1,
      traces,
      metrics,
      logs,
      encoded,
      active_faults: active,
      stats: {
        requests: n,
        failed_requests: tickFailed,
        spans: spanCount,
        metric_points: metricPoints,
        log_records: logCount,
      },
    };
    index++;
    now = t1;
    return result;
  }

  function resetTickAcc(p: Pod) {
    p.cpu_ms = 0;
    p.requests = 0;
    p.rx_bytes = 0;
    p.tx_bytes = 0;
    p.disk_read_kb = 0;
    p.disk_write_kb = 0;
    p.disk_ops = 0;
    p.disk_time_ms = 0;
    p.retransmits = 0;
  }

  return {
    topology: topo,
    pods: podInfos,
    get now_ms() {
      return now;
    },
    tick,
    *run(end_ms: number) {
      while (now < end_ms) yield tick();
    },
  };
}

function dbPort(system: string): number {
  switch (system) {
    case "mongodb":
      return 27017;
    case "mysql":
      return 3306;
    case "redis":
      return 6379;
    case "postgresql":
      return 5432;
    default:
      return 9000;
  }
}
