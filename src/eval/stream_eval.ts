/**
 * Stream-mode evaluation: replay a dataset as OTLP through the running pipeline (receiver or NATS →
 * features → detectors → localizer → `vigil.incidents.>`), collect the incidents it raises and match them
 * to the cases by event time.
 *
 * Matching ({@link matchIncidents}): an incident belongs to the first case whose
 * [fault_start − before_ms, (fault_end ?? fault_start) + after_ms] holds its `onset_ms`; per case the earliest
 * such incident gives the detection (its first revision's `updated_ms` when that lies on the replay's event
 * timeline, else its `onset_ms`) and the latest revision gives the ranking and the fault type. Incidents
 * matching no case are false incidents, counted per service-day of replayed fault-free time.
 */
import type { FaultType, LabelledCase, RootCauseCandidate } from "../core/rca.ts";
import { subjects } from "../bus/subjects.ts";
import type { Dataset, RcaDataset } from "../replay/dataset.ts";
import { httpSink, natsSink, type OtlpSink, replayCases } from "../replay/otlp_replay.ts";
import { type EvalSummary, figures, type Progress } from "./harness.ts";
import { type CaseOutcome, detectionDelay, falseIncidentsPerServiceDay } from "./metrics.ts";

/** The fields of an incident record (src/incident/incident_record.ts) the harness reads. */
export interface IncidentView {
  readonly id: string;
  readonly revision: number;
  readonly onset_ms: number;
  readonly updated_ms: number;
  readonly root_causes: readonly RootCauseCandidate[];
  readonly fault_type?: FaultType;
}

export interface MatchOptions {
  /** @default 60 s */
  before_ms?: number;
  /** @default 5 minutes */
  after_ms?: number;
}

export interface MatchResult {
  readonly outcomes: CaseOutcome[];
  readonly detections: { fault_start_ms: number; detected_ms: number | null }[];
  readonly false_incidents: number;
}

/** Matches incidents (any revisions, any order, duplicates allowed) to labelled cases. Pure. */
export function matchIncidents(
  incidents: readonly IncidentView[],
  labels: readonly LabelledCase[],
  options: MatchOptions = {},
): MatchResult {
  const before = options.before_ms ?? 60_000, after = options.after_ms ?? 300_000;
  const first = new Map<string, IncidentView>(), latest = new Map<string, IncidentView>();
  for (const inc of incidents) {
    const f = first.get(inc.id);
    if (!f || inc.revision < f.revision) first.set(inc.id, inc);
    const l = latest.get(inc.id);
    if (!l || inc.revision > l.revision) latest.set(inc.id, inc);
  }
  const byCase = new Map<number, string[]>();
  let falseIncidents = 0;
  for (const [id, inc] of first) {
    const k = labels.findIndex((l) =>
      inc.onset_ms >= l.fault_start_ms - before &&
      inc.onset_ms <= (l.fault_end_ms ?? l.fault_start_ms) + after
    );
    if (k < 0) falseIncidents++;
    else byCase.set(k, [...(byCase.get(k) ?? []), id]);
  }
  const outcomes: CaseOutcome[] = [];
  const detections: { fault_start_ms: number; detected_ms: number | null }[] = [];
  labels.forEach((label, k) => {
    const ids = (byCase.get(k) ?? []).sort((a, b) => first.get(a)!.onset_ms - first.get(b)!.onset_ms);
    if (ids.length === 0) {
      outcomes.push({ label, ranking: [], predicted_fault_type: null });
      detections.push({ fault_start_ms: label.fault_start_ms, detected_ms: null });
      return;
    }
    const f = first.get(ids[0])!, l = latest.get(ids[0])!;
    const onTimeline = Math.abs(f.updated_ms - f.onset_ms) < 86_400_000;
    detections.push({
      fault_start_ms: label.fault_start_ms,
      detected_ms: onTimeline ? f.updated_ms : f.onset_ms,
    });
    outcomes.push({ label, ranking: l.root_causes, predicted_fault_type: l.fault_type ?? null });
  });
  return { outcomes, detections, false_incidents: falseIncidents };
}

export interface StreamEvalOptions {
  /** OTLP/HTTP endpoint; used unless `nats_url` is given. @default http://127.0.0.1:4318 */
  endpoint?: string;
  /** Publish straight to NATS and read incidents from it. @default nats://127.0.0.1:4222 for incidents */
  nats_url?: string;
  /** Replay acceleration. @default 60 */
  speed?: number;
  max_cases?: number;
  /** Wall time to keep listening for incidents after the replay. @default 10000 */
  drain_ms?: number;
  on_progress?: Progress;
}

async function* take<T>(items: AsyncIterable<T>, n: number): AsyncIterable<T> {
  if (n <= 0) return;
  let i = 0;
  for await (const x of items) {
    yield x;
    if (++i >= n) return;
  }
}

/**
 * Replays an RCA dataset through the running pipeline and scores the incidents it raises. Needs a running
 * Vigil (receiver, NATS, feature workers, detectors, localizer); throws when NATS cannot be reached.
 */
export async function evaluateStream(
  dataset: Dataset,
  options: StreamEvalOptions = {},
): Promise<EvalSummary> {
  if (dataset.kind !== "rca") {
    throw new RangeError(
      `Cannot run --mode stream on ${dataset.name}: only RCA datasets replay through the pipeline`,
    );
  }
  const started = performance.now();
  const { connectBus } = await import("../bus/connection.ts");
  const { publishDurable } = await import("../bus/publish.ts");
  const natsUrl = options.nats_url ?? "nats://127.0.0.1:4222";
  await using bus = await connectBus(natsUrl, { name: "vigil-eval", connect_timeout_ms: 5_000 });
  const incidents: IncidentView[] = [];
  const sub = bus.nc.subscribe(subjects.incidents(">"));
  const collecting = (async () => {
    for await (const m of sub) {
      try {
        incidents.push(m.json() as IncidentView);
      } catch {
        // not an incident record: ignore
      }
    }
  })();
  const sink: OtlpSink = options.nats_url
    ? natsSink((subject, body) => publishDurable(bus, subject, body))
    : httpSink(options.endpoint);
  const ds = dataset as RcaDataset;
  const total = Math.min(ds.size, options.max_cases ?? Infinity);
  let services = 0, faultFree = 0;
  const counting = async function* () {
    for await (const c of take(ds.cases(), total)) {
      services = Math.max(services, c.input.frame.series.size);
      faultFree += Math.max(
        0,
        c.label.fault_start_ms - (c.input.frame.times_ms[0] ?? c.label.fault_start_ms),
      );
      yield c;
    }
  };
  const stats = await replayCases(counting(), sink, {
    speed: options.speed ?? 60,
    on_case: (label, i) => options.on_progress?.(i + 1, total, label.id),
  });
  await new Promise((r) => setTimeout(r, options.drain_ms ?? 10_000));
  sub.unsubscribe();
  await collecting;
  const match = matchIncidents(incidents, stats.labels);
  const delay = detectionDelay(match.detections, { window_ms: 10_000 });
  return {
    dataset: dataset.name,
    mode: "stream",
    method: "pipeline",
    classifier: "pipeline",
    late_s: null,
    ...figures(match.outcomes),
    detection_delay_windows_median: delay.median,
    detection_delay_windows_p90: delay.p90,
    false_incidents_per_service_day: falseIncidentsPerServiceDay(match.false_incidents, {
      services,
      observed_ms: faultFree,
    }),
    nab_standard: null,
    nab_reward_low_fp: null,
    nab_reward_low_fn: null,
    by_fault_type: {},
    elapsed_ms: Math.round(performance.now() - started),
  };
}
