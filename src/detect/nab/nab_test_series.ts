/** Deterministic series for the NAB scorer components' tests. */

/** Deterministic N(0, 1) samples (mulberry32 + Box–Muller). */
export function gaussian(seed: number): () => number {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

/** A daily cycle (288 points a day) around 50 with amplitude 20 and Gaussian noise. */
export function daily(n: number, seed: number, noise = 2): number[] {
  const g = gaussian(seed);
  return Array.from({ length: n }, (_, t) => 50 + 20 * Math.sin(2 * Math.PI * t / 288) + noise * g());
}

/** Indices where `update` returned a report (>= 0.5) at or after `from`. */
export function reports(
  values: readonly number[],
  model: { update(value: number): number },
  from = 0,
): number[] {
  const out: number[] = [];
  values.forEach((v, i) => {
    if (model.update(v) >= 0.5 && i >= from) out.push(i);
  });
  return out;
}
