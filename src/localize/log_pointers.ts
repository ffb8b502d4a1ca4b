/**
 * What services' error logs say about other services. A caller whose calls fail logs it, and the line
 * names the service it called ("call to payment failed", "invalid response from carts: GetCart", "X
 * unavailable"). So an error template that surges after the onset and names another service points at
 * that service, even where the named service's own telemetry stays flat (it returns wrong answers, or it
 * is an uninstrumented database).
 *
 * A template surges when (records since the onset − expected) / √(expected + 1) ≥ `threshold`, the
 * expectation being its mean rate before the onset times the windows since (a Poisson z with a floor), or
 * when the Poisson tail of that many records says as much (for templates that were all but absent). It is an error template when its records are at ERROR severity
 * or above (`error_counts`), or, where severities are unknown, when its words say so. A service is named
 * when one of the template's tokens is exactly a known service (or the last segment of a graph peer).
 *
 * A caller whose error logs name several services is suspect itself (its own egress, its own pool): its
 * pointers count only where another caller names the same service too. A caller whose own network
 * fails (network errors, drops, retransmissions) may fail its calls at its end: its pointers hold only at
 * services whose own telemetry changed too (a crashed callee refuses connections, which the caller counts as
 * network errors as well).
 */
import type { LocalizeInput, LogTemplateSeries } from "../core/rca.ts";
import { effectScale, quantileSorted, sortedFinite } from "../detect/robust_stats.ts";
import { poissonZ } from "../detect/poisson_tail.ts";
import { onsetIndex } from "./onset.ts";

const NETWORK_FAULT = /net(work)?[._]?(err|drop|loss)|packet|retrans/i;

const ERROR_WORDS = /error|exception|fail|panic|traceback|refused|timeout|invalid|unavailable|denied/i;

export interface LogPointer {
  /** The service named. */
  readonly target: string;
  /** The service whose logs name it. */
  readonly from: string;
  /** The surge of the template (Poisson z over the windows since the onset). */
  readonly z: number;
  readonly template: string;
  /** Mean records per window before and after the onset. */
  readonly before: number;
  readonly after: number;
}

/** The surge of one template from window index `t0` on: Poisson z, and the mean rates before and after. */
export function templateSurge(
  l: LogTemplateSeries,
  t0: number,
): { z: number; before: number; after: number; errors_after: number } {
  let b = 0, a = 0, ea = 0, nb = 0, na = 0;
  for (let i = 0; i < l.counts.length; i++) {
    const v = l.counts[i] || 0;
    if (i < t0) {
      b += v;
      nb++;
    } else {
      a += v;
      ea += l.error_counts?.[i] || 0;
      na++;
    }
  }
  const before = nb > 0 ? b / nb : 0;
  const after = na > 0 ? a / na : 0;
  // Over all the windows since the onset: a template at a few records a window where there were none
  // is clear after a few windows, though no single window is.
  const expected = before * na;
  // A template that was (nearly) absent: the Poisson tail says more than a floored z (4 records in 4
  // windows of one that had none in the 60 before is a 5-sigma event, where (a − μ)/√(μ + 1) gives 4).
  const mu = Math.max(expected, ((b + 0.5) / (nb + 1)) * na);
  const z = Math.max((a - expected) / Math.sqrt(expected + 1), na > 0 && a > 0 ? poissonZ(a, mu) : 0);
  return { z, before, after, errors_after: ea };
}

/** Whether a template's records are errors (by severity where known, else by wording). */
export function isErrorTemplate(l: LogTemplateSeries, errors_after: number): boolean {
  return l.error_counts ? errors_after > 0 : ERROR_WORDS.test(l.template);
}

/**
 * The pointers that hold (see the module doc), one per (service logging, service named), strongest first
 * (ties by names).
 */
export function logPointers(
  input: LocalizeInput,
  options: {
    threshold?: number;
    /** Whether a service's own telemetry changed (where a pointer needs it). @default none did */
    corroborated?: (service: string) => boolean;
  } = {},
): LogPointer[] {
  const logs = input.logs ?? [];
  if (logs.length === 0) return [];
  const threshold = options.threshold ?? 5;
  const names = new Set<string>(input.frame.series.keys());
  for (const n of input.graph?.nodes ?? []) {
    if (n.kind === "service" || n.kind === "virtual") {
      names.add(n.id);
      names.add(n.id.slice(n.id.lastIndexOf("/") + 1));
    }
  }
  const t0 = onsetIndex(input.frame, input.anomaly_start_ms, { min_before: 0 });
  // from → target → strongest pointer
  const byFrom = new Map<string, Map<string, LogPointer>>();
  for (const l of logs) {
    const s = templateSurge(l, t0);
    if (s.z < threshold || !isErrorTemplate(l, s.errors_after)) continue;
    for (const tok of l.template.split(/[^A-Za-z0-9_.\-/]+/)) {
      const target = tok.length > 0 && names.has(tok) ? tok.slice(tok.lastIndexOf("/") + 1) : "";
      if (target === "" || target === l.service) continue;
      let m = byFrom.get(l.service);
      if (!m) byFrom.set(l.service, m = new Map());
      const cur = m.get(target);
      if (!cur || s.z > cur.z) {
        m.set(target, {
          target,
          from: l.service,
          z: s.z,
          template: l.template,
          before: s.before,
          after: s.after,
        });
      }
    }
  }
  // A caller whose own network fails (errors, drops, retransmissions up) may fail its calls itself: its
  // pointers hold only at a service that shows a change of its own (`corroborated`).
  for (const [from, m] of byFrom) {
    if (!networkFails(input, from, t0, threshold)) continue;
    for (const t of [...m.keys()]) if (!options.corroborated?.(t)) m.delete(t);
    if (m.size === 0) byFrom.delete(from);
  }
  const callers = new Map<string, number>();
  for (const m of byFrom.values()) for (const t of m.keys()) callers.set(t, (callers.get(t) ?? 0) + 1);
  const out: LogPointer[] = [];
  for (const m of byFrom.values()) {
    for (const p of m.values()) if (m.size === 1 || (callers.get(p.target) ?? 0) >= 2) out.push(p);
  }
  return out.sort((a, b) =>
    b.z - a.z || (a.target < b.target ? -1 : a.target > b.target ? 1 : a.from < b.from ? -1 : 1)
  );
}

/** Whether one of `service`'s network-fault indicators rose by `threshold` robust units after `t0`. */
function networkFails(input: LocalizeInput, service: string, t0: number, threshold: number): boolean {
  for (const [name, col] of input.frame.series.get(service) ?? []) {
    if (!NETWORK_FAULT.test(name)) continue;
    const base = sortedFinite(col, 0, t0);
    if (base.length === 0) continue;
    const med = quantileSorted(base, 0.5);
    // the scale of anomaly_descent
    const scale = effectScale(med, quantileSorted(base, 0.75) - quantileSorted(base, 0.25), {
      relative_floor: 0.05,
      count: base.every((v) => v >= 0 && Number.isInteger(v)),
    });
    for (let i = t0; i < col.length; i++) if ((col[i] - med) / scale >= threshold) return true;
  }
  return false;
}
