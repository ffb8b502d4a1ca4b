/** Shared helpers of the kernel tests. */

export { mulberry32 as rng } from "../../core/mulberry32.ts";

/** max |a_i - b_i| / max |b_i| (absolute when b is all zeros). */
export function relMaxError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length mismatch: ${a.length} vs ${b.length}`);
  let err = 0;
  let peak = 0;
  for (let i = 0; i < a.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    peak = Math.max(peak, Math.abs(b[i]));
  }
  return peak > 0 ? err / peak : err;
}

/** Throws unless value <= limit, naming what was measured. */
export function assertAtMost(value: number, limit: number, what: string): void {
  if (!(value <= limit)) throw new Error(`${what}: ${value} exceeds ${limit}`);
}
