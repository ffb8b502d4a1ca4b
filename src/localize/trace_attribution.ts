/**
 * Trace-based attribution: along every call path, the time a service spends in its own spans (self-time
 * = span duration minus the time covered by its child spans) and the errors it originates (an error span
 * none of whose children failed). A service whose self-time or originated-error rate rises after the
 * onset, relative to its own baseline, is where the path's delay or failure starts; its callers merely
 * wait on it, and their self-time does not rise.
 */
import type { LocalizeInput, Localizer, RootCauseCandidate, SpanSummary } from "../core/rca.ts";
import { quantileSorted } from "../detect/robust_stats.ts";
import { fmt } from "./baro.ts";
import { sortCandidates } from "./onset.ts";

export interface TraceAttributionOptions {
  /** Only spans starting within this long after the onset count as "after". @default 300000 (5 min) */
  horizon_ms?: number;
  /** Spans per (service, operation) needed on each side. @default 5 */
  min_spans?: number;
}

interface OpStats {
  before: number[];
  after: number[];
  errBefore: number;
  errAfter: number;
}

/** Self-time and error-origin flag of every span. */
export function spanSelfTimes(
  spans: readonly SpanSummary[],
): { self_ms: Float64Array; origin_error: Uint8Array } {
  const index = new Map<string, number>();
  spans.forEach((s, i) => index.set(`${s.trace_id}/${s.span_id}`, i));
  const childTime = new Float64Array(spans.length);
  const childErr = new Uint8Array(spans.length);
  spans.forEach((s) => {
    const p = index.get(`${s.trace_id}/${s.parent_span_id}`);
    if (p === undefined) return;
    childTime[p] += s.duration_ms;
    if (s.is_error) childErr[p] = 1;
  });
  const self_ms = new Float64Array(spans.length);
  const origin_error = new Uint8Array(spans.length);
  spans.forEach((s, i) => {
    self_ms[i] = Math.max(0, s.duration_ms - childTime[i]);
    origin_error[i] = s.is_error && !childErr[i] ? 1 : 0;
  });
  return { self_ms, origin_error };
}

export class TraceAttributionLocalizer implements Localizer {
  readonly name = "trace_attribution";
  constructor(private readonly options: TraceAttributionOptions = {}) {}

  localize(input: LocalizeInput): RootCauseCandidate[] {
    const spans = input.spans ?? [];
    const onset = input.anomaly_start_ms;
    const horizon = this.options.horizon_ms ?? 300_000;
    const minSpans = this.options.min_spans ?? 5;
    const { self_ms, origin_error } = spanSelfTimes(spans);
    const ops = new Map<string, Map<string, OpStats>>();
    spans.forEach((s, i) => {
      if (s.start_ms >= onset + horizon) return;
      let byOp = ops.get(s.service);
      if (!byOp) ops.set(s.service, byOp = new Map());
      let st = byOp.get(s.operation);
      if (!st) byOp.set(s.operation, st = { before: [], after: [], errBefore: 0, errAfter: 0 });
      if (s.start_ms < onset) {
        st.before.push(self_ms[i]);
        st.errBefore += origin_error[i];
      } else {
        st.after.push(self_ms[i]);
        st.errAfter += origin_error[i];
      }
    });
    const out: RootCauseCandidate[] = [];
    for (const [service, byOp] of ops) {
      let best = 0;
      let bestOp = "";
      let why = "";
      for (const [op, st] of byOp) {
        if (st.before.length < minSpans || st.after.length < minSpans) continue;
        const b = st.before.sort((x, y) => x - y);
        const a = st.after.sort((x, y) => x - y);
        const med = quantileSorted(b, 0.5);
        const iqr = quantileSorted(b, 0.75) - quantileSorted(b, 0.25);
        const scale = Math.max(iqr, Math.abs(med) * 0.05, 0.05);
        // Compare upper quantiles: a delay injected on some calls moves p75/p90 before the median.
        const lat = Math.max(
          (quantileSorted(a, 0.5) - med) / scale,
          (quantileSorted(a, 0.9) - quantileSorted(b, 0.9)) / Math.max(scale, quantileSorted(b, 0.9) * 0.05),
        );
        const eb = st.errBefore / st.before.length;
        const ea = st.errAfter / st.after.length;
        // Binomial z of the originated-error rate.
        const err = (ea - eb) / Math.sqrt(Math.max(eb * (1 - eb), 1e-3) / st.after.length);
        if (lat > best) {
          best = lat;
          bestOp = op;
          why =
            `self-time of ${op} rose from a median of ${fmt(med)} ms to ${fmt(quantileSorted(a, 0.5))} ms ` +
            `(p90 ${fmt(quantileSorted(b, 0.9))} → ${fmt(quantileSorted(a, 0.9))} ms)`;
        }
        if (err > best) {
          best = err;
          bestOp = op;
          why = `${op} originated errors in ${(100 * ea).toFixed(1)}% of spans (was ${
            (100 * eb).toFixed(1)
          }%)`;
        }
      }
      if (bestOp) out.push({ service, indicator: `span:${bestOp}`, score: best, evidence: [why] });
    }
    return sortCandidates(out);
  }
}
