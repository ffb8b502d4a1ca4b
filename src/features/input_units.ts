/**
 * Input units: what the window reducer and the graph assembler count so that a redelivery, however it
 * regroups OTLP messages, never counts one twice (src/features/feature_worker.ts gives the argument).
 *
 * A unit is `<OTLP stream seq>/<partition>`: one OTLP message's share of one partition. A message cut from
 * one OTLP message stands for one unit, its src; a message that aggregates a pull batch lists the
 * sequences it `covers` (ascending) with its `partition`. Both binary codecs (src/features/partial_codec.ts,
 * src/graph/halves_codec.ts) carry the covers in the same section:
 *
 * ```
 * covers := uv 0                                                (the message stands for its src alone)
 *         | uv n_covers  uv partition  uv seq0  Δseq (uv)*(n_covers-1)     (ascending OTLP sequences)
 * ```
 */
import type { ByteWriter } from "../core/binary/byte_writer.ts";

export interface CoveredInput {
  /** Unique, deterministic source id ("<seq>/<partition>" for one OTLP message's share). */
  src: string;
  /** With `partition`: the OTLP stream sequences of the pull batch it aggregates, ascending. */
  covers?: number[];
  partition?: number;
}

/**
 * Whether a message's units were merged before: none ("new"), all of them (a "duplicate"), or some (it
 * "overlapping" a merged one: skipped, its messages come again one by one). The reducer and the graph
 * assembler both judge by this one rule, which the feature worker's argument rests on.
 */
export function unitsSeen(
  units: readonly string[],
  merged: { has(unit: string): boolean },
): "new" | "duplicate" | "overlapping" {
  let n = 0;
  for (const u of units) if (merged.has(u)) n++;
  return n === 0 ? "new" : n === units.length ? "duplicate" : "overlapping";
}

/** The units a message stands for: `<seq>/<partition>` per covered sequence, or its src alone. */
export function inputUnits(m: CoveredInput): string[] {
  const c = m.covers;
  if (c === undefined || c.length === 0) return [m.src];
  const out: string[] = new Array(c.length);
  for (let i = 0; i < c.length; i++) out[i] = `${c[i]}/${m.partition ?? 0}`;
  return out;
}

/** Writes the covers section. Throws RangeError when the sequences are not ascending safe integers. */
export function writeCovers(w: ByteWriter, m: CoveredInput): void {
  const covers = m.covers ?? [];
  w.uv(covers.length);
  if (covers.length === 0) return;
  w.uv(m.partition ?? 0);
  for (let i = 0; i < covers.length; i++) {
    const d = i === 0 ? covers[0] : covers[i] - covers[i - 1];
    if (!(Number.isSafeInteger(d) && d >= (i === 0 ? 0 : 1))) {
      throw new RangeError(
        `Cannot encode covers as they must be ascending sequences: current value is ${covers.join(",")}`,
      );
    }
    w.uv(d);
  }
}

/**
 * Reads a covers section with the decoder's own varint reader; `room` says how many bytes are left
 * (each sequence takes at least one), `bad` raises the decoder's error.
 */
export function readCovers(
  uv: () => number,
  room: () => number,
  bad: (what: string) => never,
): Pick<CoveredInput, "covers" | "partition"> {
  const n = uv();
  if (n === 0) return {};
  if (n > room()) bad(`${n} covered sequences cannot fit`);
  const partition = uv();
  const covers: number[] = new Array(n);
  for (let i = 0; i < n; i++) covers[i] = i === 0 ? uv() : covers[i - 1] + uv();
  return { covers, partition };
}
