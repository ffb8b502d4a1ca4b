/**
 * The fault catalogue: what can be injected, how it maps to Vigil's {@link FaultType} and to the
 * inner-service indicator a localizer should point at, and how strong each fault is by default.
 */
import type { FaultType } from "../core/rca.ts";

export const FAULT_KINDS = [
  "cpu_contention",
  "cpu_hog",
  "memory_leak",
  "network_delay",
  "packet_loss",
  "disk_io",
  "pod_failure",
  "code_return",
  "code_exception",
] as const;

export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultInfo {
  readonly fault_type: FaultType;
  /**
   * The root-cause indicator: a metric-level name for resource faults ("cpu", "mem", "network_latency",
   * "packet_loss", "disk_io", "restarts"), or — for code faults — the faulty endpoint's span operation,
   * which {@link faultIndicator} substitutes.
   */
  readonly indicator: string;
  /** Default strength in (0, 1]; see {@link FaultSpec.intensity}. */
  readonly default_intensity: number;
  readonly description: string;
}

export const FAULT_CATALOGUE: Readonly<Record<FaultKind, FaultInfo>> = {
  cpu_contention: {
    fault_type: "cpu",
    indicator: "cpu",
    default_intensity: 0.8,
    description: "a stress process in the pod competes for its CPU quota; neighbours on the host feel it too",
  },
  cpu_hog: {
    fault_type: "cpu",
    indicator: "cpu",
    default_intensity: 0.85,
    description: "the service itself burns CPU (a hot loop): usage pinned near the limit, throttling",
  },
  memory_leak: {
    fault_type: "memory",
    indicator: "mem",
    default_intensity: 0.8,
    description: "heap grows linearly towards the limit; GC time and latency rise as it fills",
  },
  network_delay: {
    fault_type: "network_delay",
    indicator: "network_latency",
    default_intensity: 0.6,
    description: "netem delay on the pod's egress: callers see slow responses, its own server spans do not",
  },
  packet_loss: {
    fault_type: "packet_loss",
    indicator: "packet_loss",
    default_intensity: 0.5,
    description: "netem loss on the pod: TCP retransmissions (RTO stalls), some calls time out",
  },
  disk_io: {
    fault_type: "disk",
    indicator: "disk_io",
    default_intensity: 0.8,
    description: "disk I/O contention: operation time up, disk-bound endpoints slow down",
  },
  pod_failure: {
    fault_type: "pod_failure",
    indicator: "restarts",
    default_intensity: 1,
    description: "the pod crashes and restarts in a loop: connection refused for callers, metrics gaps",
  },
  code_return: {
    fault_type: "code_return",
    indicator: "operation",
    default_intensity: 0.6,
    description: "an endpoint returns a wrong result with success status: its callers fail and log errors",
  },
  code_exception: {
    fault_type: "code_exception",
    indicator: "operation",
    default_intensity: 0.6,
    description: "an endpoint throws: exception events and ERROR logs in the service, errors upstream",
  },
};

/** One injected fault. Times are simulated epoch ms. */
export interface FaultSpec {
  /** Case id, carried into the ground truth. */
  readonly id: string;
  readonly kind: FaultKind;
  readonly service: string;
  /** Replica index (0-based) of the pod to inject into. @default 0 */
  readonly pod?: number;
  /** For code faults: the faulty endpoint (default: the service's first endpoint). */
  readonly endpoint?: string;
  readonly start_ms: number;
  readonly end_ms: number;
  /**
   * Strength in (0, 1]: the fraction of the CPU quota stolen or burnt, of headroom leaked, of a
   * 400 ms delay, of a 30 % loss, of a 40× disk slow-down, of requests hit by a code fault.
   */
  readonly intensity?: number;
}

export function isFaultKind(s: string): s is FaultKind {
  return (FAULT_KINDS as readonly string[]).includes(s);
}

/** The root-cause indicator of a fault: the catalogue's, or the faulty operation for code faults. */
export function faultIndicator(kind: FaultKind, endpoint: string | undefined): string {
  const info = FAULT_CATALOGUE[kind];
  return info.indicator === "operation" ? (endpoint ?? "operation") : info.indicator;
}
