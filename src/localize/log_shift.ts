/**
 * Log-based localization: the shift in each service's log-template frequencies after the onset. A
 * template's shift is (rate after - rate before) / sqrt(rate before + 1) (a Poisson z with a floor), so
 * new templates and surging ones stand out; error-like templates weigh more, and a template that stops
 * (a code path no longer reached) counts at half weight.
 */
import type { LocalizeInput, Localizer, RootCauseCandidate } from "../core/rca.ts";
import { onsetIndex, sortCandidates } from "./onset.ts";

const ERROR_WORDS = /error|exception|fail|panic|traceback|refused|timeout|invalid|unavailable|denied/i;

export interface LogShiftOptions {
  /** Windows after the onset considered (all when 0). @default 0 */
  horizon_windows?: number;
  /** Weight of error-like templates. @default 2 */
  error_weight?: number;
}

export class LogShiftLocalizer implements Localizer {
  readonly name = "log_shift";
  constructor(private readonly options: LogShiftOptions = {}) {}

  localize(input: LocalizeInput): RootCauseCandidate[] {
    const logs = input.logs ?? [];
    if (logs.length === 0) return [];
    const t0 = onsetIndex(input.frame, input.anomaly_start_ms, { min_before: 0 });
    const n = input.frame.times_ms.length;
    const to = this.options.horizon_windows ? Math.min(n, t0 + this.options.horizon_windows) : n;
    const ew = this.options.error_weight ?? 2;
    const best = new Map<string, RootCauseCandidate>();
    for (const l of logs) {
      let b = 0;
      let a = 0;
      for (let i = 0; i < t0; i++) b += l.counts[i] || 0;
      for (let i = t0; i < to; i++) a += l.counts[i] || 0;
      const rb = t0 > 0 ? b / t0 : 0;
      const ra = to > t0 ? a / (to - t0) : 0;
      let z = (ra - rb) / Math.sqrt(rb + 1);
      if (z < 0) z = -z / 2;
      if (ERROR_WORDS.test(l.template)) z *= ew;
      const cur = best.get(l.service);
      if (!cur || z > cur.score) {
        best.set(l.service, {
          service: l.service,
          indicator: `log:${l.template}`,
          score: z,
          evidence: [
            `log template "${l.template}" went from ${rb.toFixed(2)} to ${ra.toFixed(2)} per window`,
          ],
        });
      }
    }
    return sortCandidates([...best.values()]);
  }
}
