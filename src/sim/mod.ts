/**
 * Vigil's fault simulator: microservice systems under realistic load, with injected faults, emitting OTLP
 * traces, metrics and logs on a simulated clock, plus the ground truth of every fault.
 *
 * ## In-process API (for the evaluation harness, the demo and model training)
 *
 * ```ts
 * import { builtinTopology, createSimulation, encodeSimOtlp, planEndMs, planFaultCases } from "./src/sim/mod.ts";
 *
 * const topology = builtinTopology("online-boutique"); // or "sock-shop", "train-ticket", or loadTopologyFile(path)
 * const start_ms = Date.UTC(2026, 0, 1);
 * const cases = planFaultCases({ topology, cases: 18, seed: 7, start_ms }); // PlannedCase extends LabelledCase
 * const sim = createSimulation({
 *   topology, seed: 7, start_ms,
 *   faults: cases.map((c) => c.fault),
 *   encoder: encodeSimOtlp, // optional: also return protobuf bytes per tick
 * });
 * for (const tick of sim.run(planEndMs(cases, { start_ms }))) {
 *   tick.traces;   // ExportTraceServiceRequest in OTLP/JSON shape (undefined when empty)
 *   tick.metrics;  // ExportMetricsServiceRequest, every metric_interval_ms (default 5 s)
 *   tick.logs;     // ExportLogsServiceRequest
 *   tick.encoded;  // { traces?, metrics?, logs? } protobuf bytes, when an encoder was given
 *   tick.active_faults; tick.stats;
 * }
 * ```
 * - `planFaultCases` lays out a fault-free warm-up (default 10 min), then one fault at a time (default
 *   3 min) followed by a fault-free gap (default 7 min), cycling through the kinds in a seeded order.
 * - Same options (seed, start_ms, faults...) → the same ticks, byte for byte: the model draws from one
 *   seeded PRNG and never reads the wall clock.
 * - `encodeSimOtlp` is a fast writer for these objects with the same signature as the reference
 *   `encodeOtlp` of src/core/otlp/codec.ts (checked against it in otlp_encode_test.ts); either works.
 * - `summarizeTicks` reduces ticks to per-service latency, errors, logs and metric series (for checks).
 * - `simDataset({ topology, cases, seed })` (dataset.ts) is the evaluation harness's `sim:<topology>`
 *   dataset: one simulation per case, reduced to a Localizer's input (MetricFrame of per-service
 *   indicators named like the ground truth's, service graph, span summaries around the onset, log
 *   template counts).
 *
 * ## What is emitted
 * Resources: one per pod (`service.name`, `service.namespace`, `service.version`, `service.instance.id`,
 * `k8s.namespace.name`, `k8s.deployment.name` | `k8s.statefulset.name`, `k8s.pod.name`, `k8s.pod.uid`,
 * `k8s.container.name`, `k8s.node.name`, `host.name`, `telemetry.sdk.*`, `vigil.service.kind`), and one
 * per host (`host.name`, `k8s.node.name`) for node metrics.
 * Spans: SERVER spans per handled request (HTTP: `http.request.method`, `http.route`, `url.path`,
 * `http.response.status_code`; gRPC: `rpc.system`, `rpc.service`, `rpc.method`, `rpc.grpc.status_code`);
 * CLIENT spans per call attempt (`server.address`, `server.port`, `peer.service`, and for databases
 * `db.system`, `db.system.name`, `db.operation.name`, `db.namespace` — databases emit no spans themselves);
 * PRODUCER / CONSUMER spans for queues (`messaging.system`, `messaging.operation.type`,
 * `messaging.destination.name`); errors carry status ERROR and `error.type`, exceptions an `exception`
 * event; retries `http.request.resend_count`.
 * Metrics per pod: `k8s.pod.cpu.usage` {cpu}, `k8s.pod.cpu_limit_utilization`, `k8s.pod.cpu.time` (s,
 * cumulative), `k8s.pod.memory.working_set` (By), `k8s.pod.memory_limit_utilization`,
 * `k8s.pod.network.io` (By, cumulative, `network.io.direction`), `k8s.pod.network.errors` (retransmissions
 * and refused connections, cumulative), `container.disk.io` (By, cumulative, `disk.io.direction`),
 * `container.disk.operation_time` (s, cumulative), `k8s.container.restart_count`,
 * `process.runtime.heap.used` (By) and `process.runtime.gc.duration` (s, cumulative) for managed runtimes,
 * and the request-duration histogram `http.server.request.duration` / `rpc.server.call.duration` (s,
 * cumulative, per route and status). Per host: `system.cpu.utilization`, `system.memory.utilization`.
 * Cumulative series restart from zero (new start time) when a pod restarts; a crashed pod reports nothing.
 * Logs: INFO chatter from endpoint templates (a sampled fraction), WARN for timeouts, retries, refused
 * connections, degraded optional calls, GC pressure and slow disks, ERROR for failures and exceptions
 * (with `exception.type`), FATAL when a pod is killed; trace and span ids where a request is in scope.
 *
 * ## Faults → ground truth
 * See faults.ts: cpu_contention, cpu_hog → "cpu"; memory_leak → "memory"; network_delay; packet_loss;
 * disk_io → "disk"; pod_failure; code_return; code_exception (FaultType of src/core/rca.ts), each with its
 * root-cause indicator ("cpu", "mem", "network_latency", "packet_loss", "disk_io", "restarts", or the
 * faulty endpoint's operation for code faults).
 *
 * ## CLI
 * `deno task simulate --help` (src/sim/cli.ts).
 */
export { createSimulation } from "./simulation.ts";
export type {
  OtlpEncoder,
  PodInfo,
  Simulation,
  SimulationOptions,
  SimulationTick,
  TickStats,
} from "./simulation.ts";
export { FAULT_CATALOGUE, FAULT_KINDS, faultIndicator, isFaultKind } from "./faults.ts";
export type { FaultInfo, FaultKind, FaultSpec } from "./faults.ts";
export { planEndMs, planFaultCases, reachableEndpoints, truthRecord } from "./fault_plan.ts";
export type { PlanFaultCasesOptions, PlannedCase } from "./fault_plan.ts";
export {
  loadTopologyFile,
  parseTopology,
  parseTopologyText,
  TopologyError,
  TopologySchema,
} from "./topology.ts";
export type { Topology, TopologyInput } from "./topology.ts";
export { BUILTIN_TOPOLOGIES, builtinTopology, isBuiltinTopology, resolveTopology } from "./topologies/mod.ts";
export type { BuiltinTopologyName } from "./topologies/mod.ts";
export { encodeSimOtlp } from "./otlp_encode.ts";
export { mean, quantile, summarizeTicks } from "./tick_summary.ts";
export type { ServiceSummary } from "./tick_summary.ts";
export { encodeWithin } from "./sink.ts";
export type { OtlpSink } from "./sink.ts";
export { createHttpSink } from "./http_sink.ts";
export { createNatsSink } from "./nats_sink.ts";
export { Prng } from "./prng.ts";
export { caseInput, simDataset } from "./dataset.ts";
export type { SimDatasetOptions } from "./dataset.ts";
