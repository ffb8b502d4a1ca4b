/**
 * Rank-fusion ensemble: weighted reciprocal-rank fusion (Cormack et al., SIGIR 2009) of member localizers,
 * score = Σ w_m / (k + rank_m). A member that returns nothing (no spans, no logs) abstains. The indicator
 * and evidence of a service come from the member that ranked it best (ties: the first member).
 */
import type { LocalizeInput, Localizer, RootCauseCandidate } from "../core/rca.ts";
import { sortCandidates } from "./onset.ts";

export interface RankFusionMember {
  readonly localizer: Localizer;
  /** @default 1 */
  readonly weight?: number;
}

export class RankFusionLocalizer implements Localizer {
  readonly name: string;
  constructor(
    private readonly members: readonly RankFusionMember[],
    private readonly options: { k?: number; name?: string } = {},
  ) {
    if (members.length === 0) {
      throw new RangeError(
        "Cannot create RankFusionLocalizer as members must not be empty: current value is 0 members",
      );
    }
    this.name = options.name ?? "rank_fusion";
  }

  localize(input: LocalizeInput): RootCauseCandidate[] {
    const k = this.options.k ?? 5;
    const acc = new Map<
      string,
      { score: number; best: number; from: RootCauseCandidate; evidence: string[] }
    >();
    for (const m of this.members) {
      const ranked = m.localizer.localize(input);
      const w = m.weight ?? 1;
      ranked.forEach((c, r) => {
        const add = w / (k + r + 1);
        const cur = acc.get(c.service);
        if (!cur) {
          acc.set(c.service, { score: add, best: r, from: c, evidence: [`${m.localizer.name} #${r + 1}`] });
        } else {
          cur.score += add;
          cur.evidence.push(`${m.localizer.name} #${r + 1}`);
          if (r < cur.best) {
            cur.best = r;
            cur.from = c;
          }
        }
      });
    }
    return sortCandidates([...acc.entries()].map(([service, a]) => ({
      service,
      ...(a.from.indicator ? { indicator: a.from.indicator } : {}),
      score: a.score,
      evidence: [`ranked ${a.evidence.join(", ")}`, ...a.from.evidence],
    })));
  }
}
