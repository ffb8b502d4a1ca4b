/**
 * `deno run -A src/detect/nab/nab_breakdown_cli.ts [--options '<json>'] [--files]`: runs the `vigil` NAB
 * scorer (VigilNabScorer, optionally with options overriding its defaults) over the NAB corpus, streaming
 * and without look-ahead, and prints the three profiles' normalised scores, then the standard profile
 * per category (at the corpus-wide threshold, as NAB's scoreboard does not, but as a diagnosis needs) and,
 * with --files, per series: windows hit, the first hit's position inside its window (0 = window start,
 * 1 = window end) and false positives. A development tool: the figures to report come from
 * `deno task eval --dataset nab --mode offline --method vigil`.
 */
import { parseArgs } from "node:util";
import { loadNab } from "../../replay/nab.ts";
import { type NabScoredSeries, scoreNab } from "../../eval/nab_scorer.ts";
import { VigilNabScorer, type VigilNabScorerOptions } from "./vigil_nab_scorer.ts";

const { values: args } = parseArgs({
  args: Deno.args,
  options: {
    options: { type: "string", default: "{}" },
    files: { type: "boolean", default: false },
    dump: { type: "string" },
  },
});
const options = JSON.parse(args.options!) as VigilNabScorerOptions;

const corpus: NabScoredSeries[] = [];
for await (const s of (await loadNab()).series()) {
  const model = new VigilNabScorer(options);
  const scores = new Float64Array(s.values.length);
  for (let i = 0; i < s.values.length; i++) scores[i] = model.update(s.times_ms[i], s.values[i]);
  corpus.push({ name: s.name, times_ms: s.times_ms, scores, windows: s.windows });
}
const profiles = scoreNab(corpus);
const fmt = (x: number) => x.toFixed(1).padStart(6);
console.log(
  `standard ${fmt(profiles[0].normalized)}  low_FP ${fmt(profiles[1].normalized)}  low_FN ${
    fmt(profiles[2].normalized)
  }  (threshold ${profiles[0].threshold.toFixed(3)}, tp ${profiles[0].tp}, fp ${profiles[0].fp})`,
);
const threshold = profiles[0].threshold;
const categories = [...new Set(corpus.map((c) => c.name.split("/")[0]))];
for (const cat of categories) {
  const part = corpus.filter((c) => c.name.startsWith(cat + "/"));
  const [std] = scoreNab(part, { thresholds: { standard: threshold } });
  console.log(`  ${cat.padEnd(28)} ${Number.isFinite(std.normalized) ? fmt(std.normalized) : "   n/a"}`);
}
if (args.files) {
  for (const c of corpus) {
    const n = c.scores.length;
    const probation = Math.min(Math.floor(0.15 * n), 750);
    const hits: string[] = [];
    let fp = 0;
    for (let i = probation; i < n; i++) {
      if (!(c.scores[i] >= threshold)) continue;
      const t = c.times_ms[i];
      if (!c.windows.some(([a, b]) => t >= a && t <= b)) fp++;
    }
    for (const [a, b] of c.windows) {
      let first = -1, start = -1, end = -1;
      for (let i = 0; i < n; i++) {
        const t = c.times_ms[i];
        if (t >= a && start < 0) start = i;
        if (t <= b) end = i;
        if (first < 0 && i >= probation && t >= a && t <= b && c.scores[i] >= threshold) first = i;
      }
      hits.push(first < 0 ? "miss" : ((first - start) / Math.max(1, end - start)).toFixed(2));
    }
    console.log(`${c.name.padEnd(58)} fp ${String(fp).padStart(2)}  windows ${hits.join(" ")}`);
  }
}
if (args.dump) {
  const out = Object.fromEntries(corpus.map((c) => {
    const hits: number[] = [];
    for (let i = 0; i < c.scores.length; i++) if (c.scores[i] >= threshold) hits.push(i);
    return [c.name, hits];
  }));
  Deno.writeTextFileSync(args.dump, JSON.stringify(out));
}
