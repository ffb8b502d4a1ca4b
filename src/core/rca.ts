/**
 * The shared shapes of root-cause analysis: what detectors and localizers read and what they return.
 * No I/O here. Streaming builds a {@link MetricFrame} from FEATURES records; offline evaluation builds one
 * straight from a dataset; every Detector and Localizer works on both the same way.
 */

/** Per-service indicator series on one regular time grid (one point per window). NaN marks a gap. */
export interface MetricFrame {
  /** Start of each window, epoch ms, ascending, equally spaced by `step_ms`. */
  readonly times_ms: readonly number[];
  readonly step_ms: number;
  /** service → indicator (e.g. "latency_p99", "cpu", "mem", "error_rate") → values aligned with times_ms. */
  readonly series: ReadonlyMap<string, ReadonlyMap<string, Float64Array>>;
}

/** One directed edge of the service graph: `caller` calls `callee`. */
export interface GraphEdge {
  readonly caller: string;
  readonly callee: string;
  readonly calls: number;
  readonly errors: number;
  readonly latency_p50_ms?: number;
  readonly latency_p99_ms?: number;
  /**
   * The same edge window by window (ascending), where the graph keeps windows: what callers observed of
   * the callee over time (calls, failed calls, p90 of the caller-side latency). Optional (additive).
   */
  readonly series?: readonly GraphEdgeWindow[];
}

/** One window of one graph edge. */
export interface GraphEdgeWindow {
  readonly window_start_ms: number;
  readonly calls: number;
  readonly errors: number;
  readonly latency_p90_ms: number;
}

export interface ServiceGraphSnapshot {
  /** Services and virtual peers (databases, queues), and lower levels where known. */
  readonly nodes: readonly {
    readonly id: string;
    readonly kind: "service" | "virtual" | "pod" | "host";
    /** Pods / instances: the service they belong to. */
    readonly service?: string;
    /** Pods / instances: the host (node) they run on. */
    readonly host?: string;
  }[];
  readonly edges: readonly GraphEdge[];
}

/** A span reduced to what localization needs. */
export interface SpanSummary {
  readonly trace_id: string;
  readonly span_id: string;
  readonly parent_span_id: string;
  readonly service: string;
  readonly operation: string;
  readonly start_ms: number;
  readonly duration_ms: number;
  readonly is_error: boolean;
}

/** Log template counts per service and window (templates mined online, stable ids). */
export interface LogTemplateSeries {
  readonly service: string;
  readonly template_id: string;
  readonly template: string;
  /** Aligned with MetricFrame.times_ms. */
  readonly counts: Float64Array;
  /** Of `counts`, the records at ERROR severity or above, where known. Optional (additive). */
  readonly error_counts?: Float64Array;
}

/** Requests and failed requests of one (service, operation) per window (live stages; optional). */
export interface OperationSeries {
  readonly service: string;
  /** The span name. */
  readonly operation: string;
  /** Aligned with MetricFrame.times_ms. */
  readonly counts: Float64Array;
  readonly error_counts: Float64Array;
}

export interface LocalizeInput {
  readonly frame: MetricFrame;
  /** Onset of the anomaly (given, or detected by Vigil), epoch ms. */
  readonly anomaly_start_ms: number;
  readonly graph?: ServiceGraphSnapshot;
  readonly spans?: readonly SpanSummary[];
  readonly logs?: readonly LogTemplateSeries[];
  /** Per-(service, operation) requests and errors, where the live stages have them. Optional (additive). */
  readonly operations?: readonly OperationSeries[];
  /**
   * Services whose anomaly an older incident already explains (streaming: a symptom it still holds). They
   * were anomalous before this onset, so they neither root this incident nor explain its symptoms.
   * Optional (additive).
   */
  readonly standing?: ReadonlySet<string>;
}

/** A ranked root-cause candidate. Higher score = more likely. */
export interface RootCauseCandidate {
  readonly service: string;
  /** The indicator at fault inside the service (a metric name, or a log template / span operation). */
  readonly indicator?: string;
  readonly score: number;
  /** Short human-readable reasons ("cpu 14.2 robust-z above baseline at onset"). */
  readonly evidence: readonly string[];
  /** The fault type, when the localizer infers one from its own evidence (classifiers defer to it). */
  readonly fault_type?: FaultType;
}

/**
 * Ranks root-cause candidates for one incident.
 * Contract: pure and deterministic for the same input (ties broken by service name); never mutates the
 * input; returns each service at most once, best first; throws RangeError only for malformed input
 * (e.g. anomaly_start_ms outside the frame).
 */
export interface Localizer {
  readonly name: string;
  localize(input: LocalizeInput): RootCauseCandidate[];
}

export type FaultType =
  | "cpu"
  | "memory"
  | "network_delay"
  | "packet_loss"
  | "disk"
  | "pod_failure"
  | "code_return"
  | "code_exception";

export const FAULT_TYPES: readonly FaultType[] = [
  "cpu",
  "memory",
  "network_delay",
  "packet_loss",
  "disk",
  "pod_failure",
  "code_return",
  "code_exception",
];

/** A labelled case for evaluation (a real dataset's case, or a simulated one). */
export interface LabelledCase {
  readonly id: string;
  readonly dataset: string;
  readonly root_cause_service: string;
  readonly root_cause_indicator?: string;
  readonly fault_type?: FaultType;
  /** Injection time, epoch ms. */
  readonly fault_start_ms: number;
  readonly fault_end_ms?: number;
}

/**
 * A streaming univariate anomaly scorer (NAB's contract): fed one point at a time, in time order, with no
 * look-ahead; returns an anomaly score in [0, 1] for that point. Stateful; one instance per series.
 */
export interface StreamingScorer {
  update(time_ms: number, value: number): number;
}

/** An offline case: the label plus everything a Localizer may read (the onset is supplied separately). */
export interface OfflineCase {
  readonly label: LabelledCase;
  readonly input: Omit<LocalizeInput, "anomaly_start_ms">;
}
