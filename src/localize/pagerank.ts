/**
 * Personalized PageRank on the service graph, MicroRCA style (Wu et al., NOMS 2020): anomalies propagate
 * from a callee to its callers, so a random walker started at the anomalous services (personalization =
 * their anomaly scores) moves from callers toward the callees that are anomalous too, and stays on a
 * service whose callees look healthy. The stationary mass concentrates on the deepest anomalous service.
 * Node anomaly scores come from BARO's robust deviations; without a graph this degrades to them.
 */
import type { LocalizeInput, Localizer, RootCauseCandidate } from "../core/rca.ts";
import { BaroLocalizer, type BaroOptions } from "./baro.ts";
import { servicesOf, sortCandidates } from "./onset.ts";

export interface PageRankOptions extends BaroOptions {
  /** Probability of following an edge (1 - restart). @default 0.85 */
  damping?: number;
  /** @default 100 */
  iterations?: number;
  /** Weight of staying on the current service, relative to its own anomaly. @default 1 */
  self_weight?: number;
}

export class PageRankLocalizer implements Localizer {
  readonly name = "pagerank";
  readonly #baro: BaroLocalizer;
  constructor(private readonly options: PageRankOptions = {}) {
    this.#baro = new BaroLocalizer(options);
  }

  localize(input: LocalizeInput): RootCauseCandidate[] {
    const base = this.#baro.localize(input);
    const services = servicesOf(input);
    const idx = new Map(services.map((s, i) => [s, i]));
    const n = services.length;
    if (n === 0) return [];
    // Anomaly in [0, 1]: squash the robust score so one huge value does not flatten the rest.
    const anom = new Float64Array(n);
    const byService = new Map(base.map((c) => [c.service, c]));
    for (const c of base) anom[idx.get(c.service)!] = 1 - Math.exp(-Math.max(0, c.score) / 10);
    const out: number[][] = Array.from({ length: n }, () => []);
    const w: number[][] = Array.from({ length: n }, () => []);
    for (const e of input.graph?.edges ?? []) {
      const a = idx.get(e.caller);
      const b = idx.get(e.callee);
      if (a === undefined || b === undefined || a === b) continue;
      out[a].push(b);
      w[a].push(anom[b] + 1e-6);
    }
    const selfW = this.options.self_weight ?? 1;
    const d = this.options.damping ?? 0.85;
    let pers = Float64Array.from(anom);
    let ps = pers.reduce((x, y) => x + y, 0);
    if (!(ps > 0)) {
      pers = new Float64Array(n).fill(1);
      ps = n;
    }
    for (let i = 0; i < n; i++) pers[i] /= ps;
    let r = Float64Array.from(pers);
    for (let it = 0; it < (this.options.iterations ?? 100); it++) {
      const next = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        const stay = selfW * (anom[i] + 1e-6);
        let tot = stay;
        for (const x of w[i]) tot += x;
        next[i] += d * r[i] * (stay / tot);
        for (let k = 0; k < out[i].length; k++) next[out[i][k]] += d * r[i] * (w[i][k] / tot);
      }
      for (let i = 0; i < n; i++) next[i] += (1 - d) * pers[i];
      r = next;
    }
    return sortCandidates(services.map((s, i) => {
      const b = byService.get(s);
      return {
        service: s,
        ...(b?.indicator ? { indicator: b.indicator } : {}),
        score: r[i],
        evidence: [
          `random-walk mass ${(100 * r[i]).toFixed(1)}% (anomaly ${anom[i].toFixed(2)})`,
          ...(b?.evidence ?? []),
        ],
      };
    }));
  }
}
