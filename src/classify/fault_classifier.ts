/**
 * Rule-based fault-type classification of a root-cause candidate, from the robust deviations of its
 * indicators (grouped into families by name), its spans (errors, self-time) and its logs (new or surging
 * templates). Every decision carries the evidence that made it, so an operator can check it.
 *
 * Families are recognised by indicator name, so the rules read Vigil's own features (cpu, mem,
 * latency_p99, error_rate, ...) and public datasets' columns (CpuUsageRate(%), PodSuccessRate(%), ...) alike.
 */
import type { FaultType, LocalizeInput, RootCauseCandidate } from "../core/rca.ts";
import { type IndicatorDeviation, indicatorDeviations } from "../localize/baro.ts";
import { reportsWithGaps } from "../localize/anomaly_descent.ts";
import { isErrorTemplate, logPointers, templateSurge } from "../localize/log_pointers.ts";
import { collectEvidence } from "../localize/multimodal/evidence.ts";
import { onsetIndex } from "../localize/onset.ts";
import { logTemplate } from "../features/log_template.ts";
import { quantileSorted, sortedFinite } from "../detect/robust_stats.ts";

export { type IndicatorFamily, indicatorFamily } from "../core/indicator_family.ts";
import { type IndicatorFamily, indicatorFamily } from "../core/indicator_family.ts";

export interface Classification {
  readonly fault_type: FaultType;
  /** In (0, 1]: how clearly the winning rule beat the others. */
  readonly confidence: number;
  readonly evidence: readonly string[];
  /** The indicator of the winning family, where it names one (a resource fault: its resource). */
  readonly indicator?: string;
}

export interface ClassifyOptions {
  /** Robust-score (IQRs) above which a family counts as moved. @default 3 */
  moved?: number;
}

const ERROR_WORDS = /error|exception|fail|panic|traceback|refused|timeout|invalid|unavailable|denied/i;
/** Network indicators that count losses (as opposed to traffic volume). */
const LOSS_WORDS = /err|retrans|drop|loss|packet/i;
/** A span name that is an HTTP method alone. */
const BARE_METHOD = /^[A-Z]+$/;
/** Wording of a thrown exception (as opposed to a failed call or a timeout). */
const EXCEPTION_WORDS = /exception|traceback|panic|unhandled|stack ?trace|uncaught/i;

/**
 * Classifies the fault of `candidate` (normally the top one). Pure; never mutates the input. Falls back to
 * the family of the candidate's own indicator when nothing else is conclusive.
 */
export function classifyFault(
  input: LocalizeInput,
  candidate: RootCauseCandidate,
  options: ClassifyOptions = {},
): Classification {
  const moved = options.moved ?? 3;
  const service = candidate.service;
  const devs = input.frame.series.has(service)
    ? indicatorDeviations({
      ...input,
      frame: { ...input.frame, series: new Map([[service, input.frame.series.get(service)!]]) },
    }, { direction: "both" })
    : [];
  const fam = new Map<IndicatorFamily, IndicatorDeviation>();
  for (const d of devs) {
    const f = indicatorFamily(d.indicator);
    const cur = fam.get(f);
    if (!cur || d.score > cur.score) fam.set(f, d);
  }
  const up = (f: IndicatorFamily) => {
    const d = fam.get(f);
    return d && d.signed > 0 ? d.score : 0;
  };
  const down = (f: IndicatorFamily) => {
    const d = fam.get(f);
    return d && d.signed < 0 ? d.score : 0;
  };
  const evidence: string[] = [];
  const say = (f: IndicatorFamily) => {
    const d = fam.get(f);
    if (d) evidence.push(`${d.indicator} ${d.signed >= 0 ? "up" : "down"} ${d.score.toFixed(1)} IQRs (${f})`);
  };

  // Spans and logs of the service after the onset versus before.
  const onset = input.anomaly_start_ms;
  let errBefore = 0, errAfter = 0, spansBefore = 0, spansAfter = 0;
  for (const s of input.spans ?? []) {
    if (s.service !== service) continue;
    if (s.start_ms < onset) {
      spansBefore++;
      if (s.is_error) errBefore++;
    } else {
      spansAfter++;
      if (s.is_error) errAfter++;
    }
  }
  const spanErrRise = spansAfter > 0
    ? errAfter / spansAfter - (spansBefore > 0 ? errBefore / spansBefore : 0)
    : 0;
  let errorLogShift = 0;
  let exceptionLogShift = 0;
  let logShift = 0;
  let logIndicator = "";
  if (input.logs && input.logs.length > 0) {
    const t0 = onsetIndex(input.frame, onset);
    for (const l of input.logs) {
      if (l.service !== service) continue;
      let b = 0, a = 0, nb = 0, na = 0;
      for (let i = 0; i < l.counts.length; i++) {
        if (i < t0) {
          b += l.counts[i];
          nb++;
        } else {
          a += l.counts[i];
          na++;
        }
      }
      const rb = nb > 0 ? b / nb : 0;
      const ra = na > 0 ? a / na : 0;
      const shift = (ra - rb) / Math.sqrt(rb + 1);
      if (shift > logShift) {
        logShift = shift;
        logIndicator = l.template;
      }
      if (ERROR_WORDS.test(l.template)) errorLogShift = Math.max(errorLogShift, shift);
      if (EXCEPTION_WORDS.test(l.template)) {
        // thrown exceptions: an error template, its surge over all the windows since the onset
        const surge = templateSurge(l, t0);
        if (isErrorTemplate(l, surge.errors_after)) exceptionLogShift = Math.max(exceptionLogShift, surge.z);
      }
    }
  }

  const votes: [FaultType, number][] = [];
  const cpu = up("cpu");
  const mem = up("memory");
  const disk = up("disk");
  const lat = up("latency");
  const net = Math.max(up("network"), down("network"));
  const errs = Math.max(up("errors"), down("success"), spanErrRise > 0.05 ? 10 * spanErrRise * moved : 0);
  const traffic = down("traffic");
  // What callers observed of the service: latency and failed calls per window.
  const seen = (name: string) => {
    const d = devs.find((x) => x.indicator === name);
    return d && d.signed > 0 ? d.score : 0;
  };
  const callerLat = seen("edge_in_latency_p90");
  const callerErrs = seen("edge_in_errors");
  const stopped = candidate.evidence.some((e) => /stopped reporting/.test(e));
  // reported every window before the onset, and has missed some since: a crash loop
  const gaps = reportsWithGaps(input, service);
  const restarts = up("restarts");

  // Both CPU and memory moved: the one held high through the fault is the fault, the other a consequence
  // (a memory hog burns CPU allocating and paging; a CPU hog's stressor and the requests it queues take
  // memory in bursts, most of all as it ends).
  const [cpuVote, memVote] = cpu >= moved && mem >= moved
    ? heldLevels(input, fam.get("cpu")!, fam.get("memory")!, moved)
    : [cpu, mem];
  if (cpuVote >= moved) votes.push(["cpu", cpuVote]);
  if (memVote >= moved) votes.push(["memory", memVote]);
  if (disk >= moved) votes.push(["disk", disk * 0.9]);
  // Callers' error logs naming the service (src/localize/log_pointers.ts): it answers, wrongly.
  let callerLogs = 0;
  let callerLogEvidence = "";
  let callerLogTemplate = "";
  for (const p of logPointers(input, { threshold: moved })) {
    if (p.target !== service || p.z <= callerLogs) continue;
    callerLogs = p.z;
    callerLogEvidence = `error logs of ${p.from} name it: "${p.template}" (${p.z.toFixed(1)} sd)`;
    callerLogTemplate = p.template;
  }
  // Calls to its callees that vanished while its own traffic held (src/localize/multimodal/evidence.ts).
  const lostCalls = collectEvidence(input).get(service)?.families.get("traffic_loss");
  const gaveUp = lostCalls?.z ?? 0;
  if (exceptionLogShift >= moved) votes.push(["code_exception", Math.max(exceptionLogShift, errs)]);
  else if (
    // A wrong answer is a successful call: not when the calls to it fail (it is gone, it throws, or the
    // network fails it: its callers' errors are then about that).
    callerLogs >= moved && errs < moved && callerErrs < moved && net < moved && !stopped && !gaps &&
    restarts < moved && traffic < moved
  ) votes.push(["code_return", callerLogs]);
  else if (errorLogShift >= moved || (errs >= moved && logShift >= moved)) {
    votes.push(["code_exception", Math.max(errorLogShift, errs)]);
  } else if (errs >= moved) {
    // Failed calls and nothing in the logs: a wrong answer, unless a resource is saturated (then they
    // are its timeouts and rejections, however many).
    if (Math.max(cpu, mem, disk) < moved) votes.push(["code_return", errs]);
  } else if (logShift >= moved && lat < moved) votes.push(["code_return", logShift * 0.8]);
  else if (gaveUp >= moved && net < moved && !stopped && !gaps && restarts < moved) {
    // Calls it used to make vanished while its own traffic held, with nothing failing: it skips part of
    // its work (it returns early), which no resource of its own explains.
    votes.push(["code_return", gaveUp]);
  }
  // Its own network losses (retransmissions, drops): packet loss, whose timeouts and failed calls are
  // then consequences, not a code defect.
  const losses = devs.filter((d) =>
    indicatorFamily(d.indicator) === "network" && LOSS_WORDS.test(d.indicator)
  );
  const lost = Math.max(0, ...losses.map((d) => (d.signed > 0 ? d.score : 0)));
  if (lost >= moved && cpu < moved && mem < moved && disk < moved && !stopped && !gaps) {
    votes.push(["packet_loss", Math.max(lost, errs, lat)]);
  } else if (Math.max(lat, callerLat) >= moved && cpu < moved && mem < moved && disk < moved) {
    // Latency without resource pressure: the network. Without a loss counter of its own, losses show as
    // failed calls its callers see.
    const loss = losses.length === 0 && (net >= moved || (callerErrs >= moved && callerLat >= moved));
    // Callers see it slow while its own spans are not: its egress (a delay that only callers measure).
    const egress = callerLat >= moved && lat < moved;
    votes.push([loss ? "packet_loss" : "network_delay", Math.max(lat * 0.8, egress ? callerLat : 0)]);
  }
  const gone = fam.size > 0 && traffic >= 2 * moved && cpu < moved && mem < moved;
  if (gone) votes.push(["pod_failure", traffic]);
  // A crashed pod: it restarted, stopped reporting, or its callers' calls fail while its traffic falls.
  if (stopped || gaps || restarts >= moved || (callerErrs >= moved && traffic >= moved && net < moved)) {
    votes.push(["pod_failure", Math.max(restarts, callerErrs, stopped || gaps ? 10 * moved : 0) * 1.5]);
  }

  // A service that stopped reporting crashed: its last error lines are the crash's, not a code defect's.
  if (stopped) {
    for (const v of votes) if (v[0] === "code_return" || v[0] === "code_exception") v[1] = 0;
  }
  // A saturated resource makes a service time out and fail: its errors are then a consequence.
  if (Math.max(cpu, mem, disk) >= moved) {
    for (const v of votes) if (v[0] === "code_return" || v[0] === "code_exception") v[1] *= 0.5;
  }
  votes.sort((a, b) => b[1] - a[1]);
  if (votes.length === 0) {
    const f = candidate.indicator ? indicatorFamily(candidate.indicator) : "other";
    const byFamily: Partial<Record<IndicatorFamily, FaultType>> = {
      cpu: "cpu",
      memory: "memory",
      disk: "disk",
      latency: "network_delay",
      network: "network_delay",
      errors: "code_exception",
      success: "code_return",
      traffic: "pod_failure",
    };
    const ft = byFamily[f] ?? "cpu";
    return {
      fault_type: ft,
      confidence: 0.3,
      evidence: [
        `no family moved by ${moved} IQRs; fell back to the family of ${
          candidate.indicator ?? "no indicator"
        } (${f})`,
      ],
    };
  }
  const [winner, score] = votes[0];
  const runnerUp = votes[1]?.[1] ?? 0;
  for (
    const f of [
      "cpu",
      "memory",
      "disk",
      "latency",
      "network",
      "errors",
      "success",
      "traffic",
      "restarts",
    ] as IndicatorFamily[]
  ) {
    if ((up(f) || down(f)) >= moved) say(f);
  }
  if (spanErrRise > 0.05) evidence.push(`span error ratio rose by ${(100 * spanErrRise).toFixed(1)} points`);
  if (callerLogs >= moved) evidence.push(callerLogEvidence);
  if (gaps) evidence.push("reported every window before the onset, has missed windows since");
  if (logShift >= moved) evidence.push(`log template "${logIndicator}" surged (${logShift.toFixed(1)} sd)`);
  if (gaveUp >= moved) evidence.push(lostCalls!.detail);
  // a resource fault names the resource indicator that moved most (the localizer may name another one);
  // a code defect, the operation whose failures rose most (what its owner has to look at)
  // (a crashed pod, its restarts when they moved)
  const own = winner === "cpu" || winner === "memory" || winner === "disk"
    ? fam.get(winner)
    : winner === "pod_failure" && restarts >= moved
    ? fam.get("restarts")
    : undefined;
  // (a wrong answer fails no request of its own: the operation its callers' error logs name, then)
  const failing = winner === "code_return" || winner === "code_exception"
    ? failingOperation(input, service) ?? namedOperation(input, service, callerLogTemplate)
    : undefined;
  if (failing) evidence.push(failing.evidence);
  const indicator = own?.indicator ?? failing?.operation;
  return {
    fault_type: winner,
    confidence: Math.min(1, (score - runnerUp) / score + 0.2),
    evidence,
    ...(indicator ? { indicator } : {}),
  };
}

/**
 * Two resources' votes judged on the level each one held while either was moved: the median of its robust
 * deviations over the windows since the onset in which either moved by `moved`. A brief spike (a stressor
 * torn down, a burst of queued requests) is outvoted by a resource held high for the whole fault. Their
 * peaks when neither held that level.
 */
function heldLevels(
  input: LocalizeInput,
  a: IndicatorDeviation,
  b: IndicatorDeviation,
  moved: number,
): [number, number] {
  const za = deviationSeries(input, a);
  const zb = deviationSeries(input, b);
  const ha: number[] = [], hb: number[] = [];
  for (let i = 0; i < Math.min(za.length, zb.length); i++) {
    if (za[i] < moved && zb[i] < moved) continue;
    ha.push(za[i]);
    hb.push(zb[i]);
  }
  const median = (xs: number[]) => xs.length ? quantileSorted(sortedFinite(xs), 0.5) : 0;
  const la = median(ha), lb = median(hb);
  return la >= moved || lb >= moved ? [la, lb] : [a.score, b.score];
}

/** The robust deviation of an indicator in every window since the onset, on its baseline's scale. */
function deviationSeries(input: LocalizeInput, d: IndicatorDeviation): number[] {
  const col = input.frame.series.get(d.service)?.get(d.indicator);
  if (!col || d.signed === 0) return [];
  const scale = (d.peak - d.median) / d.signed;
  const out: number[] = [];
  for (let i = onsetIndex(input.frame, input.anomaly_start_ms); i < col.length; i++) {
    out.push(Number.isFinite(col[i]) ? (col[i] - d.median) / scale : 0);
  }
  return out;
}

/**
 * The operation of `service` (from `input.operations`) that a log template names, as written or as the
 * template masks it ("/api/v1/users" reads "/api/<*>/users" there); the longest such name. A bare HTTP
 * method ("GET": a span named without its route) names nothing in particular.
 */
function namedOperation(
  input: LocalizeInput,
  service: string,
  line: string,
): { operation: string; evidence: string } | undefined {
  if (!line || !input.operations) return undefined;
  let best = "";
  for (const o of input.operations) {
    if (o.service !== service || o.operation.length <= best.length || BARE_METHOD.test(o.operation)) continue;
    if (line.includes(o.operation) || line.includes(logTemplate(o.operation))) best = o.operation;
  }
  return best
    ? { operation: best, evidence: `its callers' error logs name its operation "${best}"` }
    : undefined;
}

/**
 * The operation of `service` whose failed requests per window rose most after the onset (at least one more
 * per window), from `input.operations`; undefined without them or when none rose. Spans named by their
 * HTTP method alone are left out.
 */
function failingOperation(
  input: LocalizeInput,
  service: string,
): { operation: string; evidence: string } | undefined {
  if (!input.operations) return undefined;
  const t0 = onsetIndex(input.frame, input.anomaly_start_ms);
  let best: { operation: string; evidence: string; rise: number } | undefined;
  for (const o of input.operations) {
    if (o.service !== service || BARE_METHOD.test(o.operation)) continue; // "POST" names nothing in particular
    // its failures as a count series: their mean rate before and since the onset
    const { before, after } = templateSurge(
      { service, template_id: o.operation, template: o.operation, counts: o.error_counts },
      t0,
    );
    const rise = after - before;
    if (rise >= 1 && (!best || rise > best.rise)) {
      best = {
        operation: o.operation,
        rise,
        evidence: `operation "${o.operation}" failed ${after.toFixed(1)} times per window since the onset (${
          before.toFixed(1)
        } before)`,
      };
    }
  }
  return best && { operation: best.operation, evidence: best.evidence };
}
