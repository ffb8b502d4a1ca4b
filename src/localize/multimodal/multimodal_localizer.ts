/**
 * Multi-modal root-cause localization with fault typing: metrics, per-edge latency and traces, each read
 * as robust deviations from the service's own baseline (see ./evidence.ts), then weighed so that a root
 * explains its callers' symptoms:
 *
 *   score(S) = ln(1 + resource) + ln(1 + inbound') + w_lat ln(1 + latency)
 *              + w_loss ln(1 + traffic_loss) + w_collapse ln(1 + duration_collapse)
 *
 * where inbound' discounts the latency of calls into S by its most delayed callee (if a callee's inbound
 * latency rose more, S merely waits for it). The fault type of a candidate follows its strongest family:
 * resource → cpu / memory / disk, inbound without resource → network_delay, traffic loss or a collapse
 * of its own span durations → code defect (return early when spans collapsed, exception otherwise).
 *
 * The candidate's indicator is named in the dataset's vocabulary (`vocabulary` option): a resource fault
 * names the service's own utilisation indicator (e.g. `CpuUsageRate(%)`); a network delay names the
 * vocabulary's network indicator (Nezha's labels call it `NetworkP90(ms)`; we measure it as the callers'
 * latency into the service); a code defect names what moved (a span operation or a metric), which can
 * match a log-event label only when logs were kept.
 */
import type { FaultType, LocalizeInput, Localizer, RootCauseCandidate } from "../../core/rca.ts";
import { sortCandidates } from "../onset.ts";
import {
  collectEvidence,
  type EvidenceFamily,
  type EvidenceOptions,
  type ServiceEvidence,
} from "./evidence.ts";

export interface MultimodalOptions extends EvidenceOptions {
  /** Weight of the service's own latency (mostly a symptom). @default 0.3 */
  latency_weight?: number;
  /** Weight of lost downstream traffic. @default 0.7 */
  traffic_loss_weight?: number;
  /** Weight of collapsed server-span durations. @default 0.7 */
  duration_collapse_weight?: number;
  /** Robust z at which a family counts as moved, for fault typing. @default 3 */
  moved_z?: number;
  /**
   * Indicator names to report per fault type, in the vocabulary of the labels (a family's own indicator
   * name is used when absent). @default { network_delay: "NetworkP90(ms)" }
   */
  vocabulary?: Partial<Record<FaultType, string>>;
}

export interface MultimodalCandidate extends RootCauseCandidate {
  readonly fault_type: FaultType;
}

const ln1p = (z: number | undefined) => Math.log1p(Math.max(0, z ?? 0));

export class MultimodalLocalizer implements Localizer {
  readonly name = "multimodal";
  constructor(private readonly options: MultimodalOptions = {}) {}

  localize(input: LocalizeInput): MultimodalCandidate[] {
    const ev = collectEvidence(input, this.options);
    const o = this.options;
    const out: MultimodalCandidate[] = [];
    for (const e of ev.values()) {
      const f = (k: EvidenceFamily) => e.families.get(k)?.z ?? 0;
      const share = unexplained(e, ev);
      const inbound = f("inbound") * share;
      const resource = Math.max(f("cpu"), f("memory"), f("disk"));
      const score = ln1p(resource) + ln1p(inbound) + (o.latency_weight ?? 0.3) * ln1p(f("latency") * share) +
        (o.traffic_loss_weight ?? 0.7) * ln1p(f("traffic_loss")) +
        (o.duration_collapse_weight ?? 0.7) * ln1p(f("duration_collapse"));
      const fault_type = this.faultType(e, inbound);
      out.push({
        service: e.service,
        indicator: this.indicatorFor(input, e, fault_type),
        score,
        fault_type,
        evidence: [...e.families.entries()]
          .sort((a, b) => b[1].z - a[1].z)
          .slice(0, 3)
          .map(([k, v]) => `${k}: ${v.detail}`),
      });
    }
    return sortCandidates(out) as MultimodalCandidate[];
  }

  private faultType(e: ServiceEvidence, inbound: number): FaultType {
    const moved = this.options.moved_z ?? 3;
    const cpu = e.families.get("cpu")?.z ?? 0;
    const mem = e.families.get("memory")?.z ?? 0;
    const disk = e.families.get("disk")?.z ?? 0;
    const collapse = e.families.get("duration_collapse")?.z ?? 0;
    const loss = e.families.get("traffic_loss")?.z ?? 0;
    // Stress tools blur the two: Nezha's CPU hogs grow memory 2-9x and RCD's memory hogs raise CPU as much
    // as its CPU hogs, and no growth ratio separates both datasets; a clear CPU rise wins.
    if (cpu >= moved * 2 / 3) return "cpu";
    if (mem >= moved) return "memory";
    if (mem >= moved && mem >= disk) return "memory";
    if (disk >= moved) return "disk";
    if (inbound >= moved && inbound >= Math.max(loss, collapse)) return "network_delay";
    if (collapse > 0) return "code_return";
    if (loss > 0 || cpu > 0) return "code_exception";
    return inbound > 0 ? "network_delay" : "code_exception";
  }

  private indicatorFor(input: LocalizeInput, e: ServiceEvidence, fault: FaultType): string {
    const named = (this.options.vocabulary ?? { network_delay: "NetworkP90(ms)" })[fault];
    if (named) return named;
    const fam: EvidenceFamily = fault === "cpu" || fault === "memory" || fault === "disk"
      ? fault
      : fault === "network_delay"
      ? "inbound"
      : e.families.has("duration_collapse")
      ? "duration_collapse"
      : "traffic_loss";
    const best = e.families.get(fam)?.indicator ?? [...e.families.values()][0]?.indicator ?? "";
    if (fam !== "cpu" && fam !== "memory" && fam !== "disk") return best;
    // Prefer the utilisation form (a rate or percentage) of the same resource, when the service has one.
    const kind = fault === "cpu" ? /cpu/i : fault === "memory" ? /mem/i : /disk|iops|fs_/i;
    const names = [...(input.frame.series.get(e.service)?.keys() ?? [])].filter((n) => kind.test(n));
    return names.find((n) => /rate|%|util/i.test(n)) ?? (names.includes(best) ? best : names[0] ?? best);
  }
}

/**
 * How much of `e`'s latency its callees leave unexplained, in (0, 1]: when a callee's inbound latency rose
 * more than e's own, e's callers are waiting on that callee, and e's share shrinks with the squared ratio.
 */
function unexplained(e: ServiceEvidence, all: ReadonlyMap<string, ServiceEvidence>): number {
  const own = e.families.get("inbound")?.z ?? 0;
  let worst = 0;
  for (const c of e.callees) worst = Math.max(worst, all.get(c)?.families.get("inbound")?.z ?? 0);
  if (worst <= 0) return 1;
  return Math.min(1, (Math.max(own, 1) / worst) ** 2);
}
