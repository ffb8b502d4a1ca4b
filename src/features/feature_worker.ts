/**
 * A feature worker: pulls OTLP messages from the shared durable consumer, turns each into partial window
 * aggregates and graph edge halves (src/features/extract.ts), publishes them durably on
 * `vigil.features.partial.{p}` (p = hash(service) mod P) and `vigil.spans.{p}` (p = hash(trace id) mod P)
 * with a deterministic Nats-Msg-Id (`f/<stream seq>/<p>`), and acks the OTLP message only after every
 * PubAck. A worker killed at any point leaves its unacked messages to be redelivered; the redelivered
 * partials carry the same ids, so JetStream (and the reducer) deduplicate them.
 */
import type { Bus } from "../bus/connection.ts";
import { publishDurable } from "../bus/publish.ts";
import { type BusMessage, pullBatches } from "../bus/pull_batches.ts";
import { OTLP_SIGNALS, type OtlpSignal, STREAMS, subjects } from "../bus/subjects.ts";
import { Extractor } from "./extract.ts";
import { OtlpScanError } from "./otlp_scan.ts";
import { type BinaryPartial, encodePartial } from "./partial_codec.ts";
import { encodeHalves } from "../graph/halves_codec.ts";
import type { EdgeHalf, ResourceLink } from "../graph/edge_half.ts";

export const FEATURE_CONSUMER = "vigil-features";

export interface SpanPartialMessage {
  v: 1;
  tenant: string;
  src: string;
  max_event_ms: number;
  halves: EdgeHalf[];
  resources: ResourceLink[];
}

export interface FeatureWorkerOptions {
  /** @default 10000 */
  window_ms?: number;
  /** Partitions of vigil.features.partial. @default 1 */
  feature_partitions?: number;
  /** Partitions of vigil.spans. @default 1 */
  span_partitions?: number;
  /** OTLP messages per pull. @default 64 */
  batch_size?: number;
  /**
   * OTLP messages whose partials may await their PubAcks while the next batches are processed; past it
   * the worker waits. @default 4 × batch_size
   */
  max_unacked_messages?: number;
  /** Extract graph edge halves. @default true */
  graph?: boolean;
  /** @default "vigil-features" */
  durable?: string;
  signal: AbortSignal;
  /** Incremented as the worker goes. */
  counters?: FeatureWorkerCounters;
}

export interface FeatureWorkerCounters {
  messages: number;
  items: number;
  malformed: number;
  published: number;
  publish_failures: number;
}

export function newWorkerCounters(): FeatureWorkerCounters {
  return { messages: 0, items: 0, malformed: 0, published: 0, publish_failures: 0 };
}

/** FNV-1a of a string, for partitioning. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/** Parses `otlp.v1.{signal}.{tenant}`; null when the subject is not an OTLP subject. */
export function parseOtlpSubject(subject: string): { signal: OtlpSignal; tenant: string } | null {
  const parts = subject.split(".");
  if (parts.length !== 4 || parts[0] !== "otlp" || parts[1] !== "v1") return null;
  if (!OTLP_SIGNALS.includes(parts[2] as OtlpSignal)) return null;
  return { signal: parts[2] as OtlpSignal, tenant: parts[3] };
}

/** What one OTLP message turns into: [subject, msg id, body] triples. */
export function partialsFor(
  ex: Extractor,
  msg: { subject: string; data: Uint8Array; stream_seq: number },
  options: { feature_partitions: number; span_partitions: number },
): { out: [string, string, Uint8Array][]; items: number } {
  const parsed = parseOtlpSubject(msg.subject);
  if (!parsed) {
    throw new OtlpScanError(`Cannot process subject ${msg.subject}: not otlp.v1.{signal}.{tenant}`);
  }
  const { signal, tenant } = parsed;
  const x = ex.extract(signal, tenant, msg.data);
  const out: [string, string, Uint8Array][] = [];
  const FP = options.feature_partitions, SP = options.span_partitions;
  const byP = new Map<number, BinaryPartial>();
  for (const w of x.windows) {
    const p = FP === 1 ? 0 : hash32(w.service) % FP;
    let m = byP.get(p);
    if (!m) {
      m = { v: 1, tenant, src: `${msg.stream_seq}/${p}`, max_event_ms: x.max_event_ms, windows: [] };
      byP.set(p, m);
    }
    m.windows.push(w);
  }
  for (const [p, m] of byP) {
    out.push([subjects.featuresPartial(p), `f/${msg.stream_seq}/${p}`, encodePartial(m)]);
  }
  if (x.halves.length > 0 || x.resources.length > 0) {
    const sp = new Map<number, SpanPartialMessage>();
    const get = (p: number) => {
      let m = sp.get(p);
      if (!m) {
        m = {
          v: 1,
          tenant,
          src: `${msg.stream_seq}/${p}`,
          max_event_ms: x.max_event_ms,
          halves: [],
          resources: [],
        };
        sp.set(p, m);
      }
      return m;
    };
    for (const h of x.halves) get(SP === 1 ? 0 : hash32(h.tr) % SP).halves.push(h);
    if (x.resources.length > 0) get(0).resources.push(...x.resources);
    for (const [p, m] of sp) {
      out.push([subjects.spans(p), `s/${msg.stream_seq}/${p}`, encodeHalves(m)]);
    }
  }
  return { out, items: x.items };
}

/** Runs until `signal` aborts. Never throws for bad input (counted); NATS failures nak and retry. */
export async function runFeatureWorker(bus: Bus, options: FeatureWorkerOptions): Promise<void> {
  const ex = new Extractor({ window_ms: options.window_ms, graph: options.graph });
  const counters = options.counters ?? newWorkerCounters();
  const parts = {
    feature_partitions: options.feature_partitions ?? 1,
    span_partitions: options.span_partitions ?? 1,
  };
  // A batch's OTLP messages are acked once all its partials are stored (PubAck); meanwhile the next
  // batches are decoded and published, so the worker computes instead of waiting on round trips.
  const maxUnacked = options.max_unacked_messages ?? 4 * (options.batch_size ?? 64);
  if (!(Number.isInteger(maxUnacked) && maxUnacked >= 1)) {
    throw new RangeError(
      `Cannot run the feature worker as max_unacked_messages must be an integer >= 1: current value is ${maxUnacked}`,
    );
  }
  const inFlight = new Set<Promise<void>>();
  let unacked = 0;
  const onBatch = async (msgs: BusMessage[]) => {
    const pubs: Promise<unknown>[] = [];
    const good: BusMessage[] = [];
    for (const m of msgs) {
      counters.messages++;
      try {
        const { out, items } = partialsFor(ex, m, parts);
        counters.items += items;
        for (const [subject, id, body] of out) pubs.push(publishDurable(bus, subject, body, { msg_id: id }));
        good.push(m);
      } catch (e) {
        if (!(e instanceof OtlpScanError)) throw e;
        counters.malformed++;
        // kept in the DLQ stream; if that copy fails the message stays unacked and comes back
        pubs.push(m.deadLetter(`malformed OTLP: ${e.message}`));
      }
    }
    const settle = Promise.all(pubs).then(
      () => {
        counters.published += pubs.length;
        for (const m of good) m.ack();
      },
      () => {
        counters.publish_failures++;
        for (const m of good) m.nak(1_000);
      },
    );
    unacked += good.length;
    const tracked: Promise<void> = settle.finally(() => {
      inFlight.delete(tracked);
      unacked -= good.length;
    });
    inFlight.add(tracked);
    while (unacked >= maxUnacked) await Promise.race(inFlight);
  };
  await pullBatches(bus, onBatch, {
    stream: STREAMS.otlp,
    durable: options.durable ?? FEATURE_CONSUMER,
    batch_size: options.batch_size ?? 64,
    signal: options.signal,
  });
  await Promise.all(inFlight);
}
