/**
 * The shape every evaluation dataset takes, whatever its source (a public dataset on disk or the
 * simulator): a name, a size known up front (for progress), and a lazily loaded async iterable of items.
 * RCA datasets yield {@link OfflineCase}s; anomaly-detection datasets (NAB) yield labelled series.
 */
import type { OfflineCase } from "../core/rca.ts";

/** A labelled root-cause-analysis dataset. Iterating loads cases one at a time, in a stable order. */
export interface RcaDataset {
  readonly kind: "rca";
  /** Short name used in reports, e.g. "rcd-sockshop", "nezha-ob". */
  readonly name: string;
  /** Number of cases `cases()` yields. */
  readonly size: number;
  cases(): AsyncIterable<OfflineCase>;
  /**
   * Fault-free data recorded before the cases (Nezha's construct_data), replayed first in stream mode so
   * detectors start warm; its time is also fault-free time for the false-incident rate. Absent when the
   * dataset has none.
   */
  warmup?(): Promise<OfflineCase["input"] | null>;
}

/** One univariate series with its labelled anomaly windows (NAB's shape). */
export interface LabelledSeries {
  /** Relative path in the corpus, e.g. "realKnownCause/nyc_taxi.csv". */
  readonly name: string;
  /** Epoch ms per point, ascending. */
  readonly times_ms: Float64Array;
  readonly values: Float64Array;
  /** Anomaly windows [start_ms, end_ms], inclusive, ascending, non-overlapping. */
  readonly windows: readonly (readonly [number, number])[];
}

/** A labelled series dataset (univariate anomaly detection). */
export interface SeriesDataset {
  readonly kind: "series";
  readonly name: string;
  readonly size: number;
  series(): AsyncIterable<LabelledSeries>;
}

export type Dataset = RcaDataset | SeriesDataset;

/** The first item of an async iterable (and stops iterating), or a RangeError when it is empty. */
export async function firstOf<T>(items: AsyncIterable<T>): Promise<T> {
  for await (const item of items) return item;
  throw new RangeError("Cannot take the first item as the iterable is empty");
}
