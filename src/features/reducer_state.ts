/**
 * The window reducer's state across windows, in the form it is written to durable storage
 * (src/features/reducer_state_store.ts) and restored from after a restart.
 *
 * Per (tenant, service), a {@link ServiceState}: the last point of each cumulative metric series (the
 * baseline of the next window's increase) and the log template clusters, as of the service's latest closed
 * window. Per reducer, its {@link ReducerProgress}: the watermark's source (largest event time), the end of
 * the windows force-closed by a flush, and the largest input position (stream sequence) accepted. A
 * snapshot therefore describes exactly a set of closed windows; see WindowReducer.snapshot().
 *
 * Serialisation is deterministic (equal states give equal bytes): JSON with a fixed field order, baselines
 * sorted by series key, clusters in the order LogClusterer.toJSON() gives. Non-finite numbers (a NaN counter
 * value is legal OTLP) are written as strings so that they survive the round trip.
 */
import type { CumulativePoint } from "./metric_increase.ts";
import type { LogClustererJson } from "./log_cluster.ts";

export const REDUCER_STATE_VERSION = 1;

export interface ServiceState {
  tenant: string;
  service: string;
  /** End of the service's latest closed window. */
  last_end_ms: number;
  /** Each cumulative series' last point, by metric key (window_aggregate.ts metricKey), sorted by key. */
  baselines: [key: string, point: CumulativePoint][];
  clusters: LogClustererJson;
}

export interface ReducerProgress {
  /** Largest event time accepted (the watermark is this − max_out_of_order_ms); null before any. */
  max_event_ms: number | null;
  /** Windows ending at or before this were force-closed by a flush; null when none was. */
  flushed_through_ms: number | null;
  /** Largest input position (stream sequence) accepted; null when inputs carried none. */
  position: number | null;
}

/** What a reducer hands over to be written: see WindowReducer.snapshot(). */
export interface ReducerSnapshot {
  progress: ReducerProgress;
  /** Services whose state changed since the previous snapshot (windows of theirs closed). */
  changed: ServiceState[];
  /** Services whose state was dropped since then (idle past every ttl). */
  forgotten: { tenant: string; service: string }[];
}

const enc = new TextEncoder();
const dec = new TextDecoder();

type Num = number | string;
const num = (x: number): Num => (Number.isFinite(x) ? x : String(x));
const unnum = (x: Num): number => (typeof x === "string" ? Number(x) : x);

/** The storage key of a service's state: `svc.<tenant>.<base64url(service)>` (any service name is safe). */
export function serviceStateKey(tenant: string, service: string): string {
  const b64 = btoa(String.fromCharCode(...enc.encode(service)))
    .replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
  return `svc.${tenant}.${b64 === "" ? "_" : b64}`;
}

/** Encodes a service's state written by snapshot generation `gen`. */
export function encodeServiceState(state: ServiceState, gen: number): Uint8Array {
  return enc.encode(JSON.stringify({
    v: REDUCER_STATE_VERSION,
    gen,
    tenant: state.tenant,
    service: state.service,
    last_end_ms: state.last_end_ms,
    baselines: state.baselines.map(([k, p]) => [k, p.map(num)]),
    clusters: state.clusters.clusters,
  }));
}

/** Decodes {@link encodeServiceState}'s bytes; throws a TypeError naming what is wrong. */
export function decodeServiceState(bytes: Uint8Array): { gen: number; state: ServiceState } {
  const j = parse(bytes, "service state");
  if (typeof j.tenant !== "string" || typeof j.service !== "string" || !Array.isArray(j.baselines)) {
    throw new TypeError(`Cannot decode a service state as it lacks tenant, service or baselines`);
  }
  return {
    gen: j.gen,
    state: {
      tenant: j.tenant,
      service: j.service,
      last_end_ms: j.last_end_ms,
      baselines: (j.baselines as [string, Num[]][]).map((
        [k, p],
      ) => [k, p.map(unnum) as CumulativePoint]),
      clusters: { clusters: j.clusters ?? [] },
    },
  };
}

/** The commit marker: snapshot generation `gen` is complete, with this progress. */
export function encodeCommit(gen: number, progress: ReducerProgress): Uint8Array {
  return enc.encode(JSON.stringify({ v: REDUCER_STATE_VERSION, gen, ...progress }));
}

export function decodeCommit(bytes: Uint8Array): { gen: number; progress: ReducerProgress } {
  const j = parse(bytes, "commit marker");
  return {
    gen: j.gen,
    progress: {
      max_event_ms: j.max_event_ms,
      flushed_through_ms: j.flushed_through_ms,
      position: j.position,
    },
  };
}

// deno-lint-ignore no-explicit-any
function parse(bytes: Uint8Array, what: string): any {
  let j;
  try {
    j = JSON.parse(dec.decode(bytes));
  } catch (e) {
    throw new TypeError(`Cannot decode a ${what} as it is not JSON: ${(e as Error).message}`);
  }
  if (j?.v !== REDUCER_STATE_VERSION || !Number.isInteger(j.gen)) {
    throw new TypeError(
      `Cannot decode a ${what} as its version must be ${REDUCER_STATE_VERSION} with an integer gen: current value is v=${j?.v} gen=${j?.gen}`,
    );
  }
  return j;
}
