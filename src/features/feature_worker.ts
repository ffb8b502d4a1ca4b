/**
 * A feature worker: pulls OTLP messages from the shared durable consumer, turns them into partial window
 * aggregates and graph edge halves (src/features/extract.ts), publishes those durably on
 * `vigil.features.partial.{p}` (p = hash(service) mod P) and `vigil.spans.{p}` (p = hash(trace id) mod P)
 * with deterministic Nats-Msg-Ids, and acks an OTLP message only after every PubAck of what it became.
 *
 * Two cuts of the feature partials (`partials_per`):
 * - "message": one partial per (OTLP message, partition): src `<seq>/<p>`, Nats-Msg-Id `f/<seq>/<p>`
 *   (seq = the message's OTLP stream sequence). A redelivery publishes the same ids again, so JetStream
 *   (within its duplicate window) and the reducer deduplicate it.
 * - "batch" (default): the first deliveries of a pull batch are aggregated in place into one set of
 *   windows per tenant, published as one partial per (tenant, partition) that lists the sequences it
 *   covers (`covers`): src `b/<first seq>/<p>/<hash of covers>`, Nats-Msg-Id `f/<src>`. A 512-span
 *   bench:features request gives ~180 (service, operation) series; a batch of 64 of them ~300, so
 *   encoding, storing, decoding and merging partials costs ~1/40 of the per-message cut. Redelivered
 *   messages (delivery count > 1), and those received too long ago (below), are never batched: they are
 *   published one partial per message, as in the "message" cut.
 *
 * Why batching keeps every record exact. The reducer (window_reducer.ts) counts input in units
 * `<seq>/<p>`: a message partial is its one unit, a batch partial the units of its covers. It merges a
 * partial none of whose units it merged before, skips one all of whose units it merged (a duplicate), and
 * skips one some of whose units it merged (an overlap). A message's first delivery happens once, so
 * a unit is in at most one batch partial; every other partial carrying it is a message partial, and
 * message partials of one unit are identical. Hence:
 * 1. B (a batch partial) stored before every message partial of its units: B is merged, the message
 *    partials are duplicates. This is the only case when the worker acks B's messages: it does so only
 *    if every PubAck came back within half the ack wait of the batch's oldest message's receipt (the
 *    fence). JetStream redelivers a message no sooner than ack_wait after delivering it, and a message
 *    partial of a unit is published only after a redelivery (or a give-back, below), so B, stored before
 *    its PubAck, was stored before any of them, given that a delivered message is read from the socket
 *    within half the ack wait (15 s by default).
 * 2. Otherwise (a PubAck past the fence, a failed publish, the worker killed before acking) the worker
 *    acks none of B's messages: it naks them (or JetStream redelivers them after ack_wait), and each
 *    comes back redelivered, as a message partial. B may still be stored, before or after some of
 *    those: before every one, case 1 applies; after one, B overlaps and is skipped, and every one of its
 *    units arrives as a message partial. Either way each unit is merged exactly once.
 * The reducer remembers units as long as it remembered source ids before (three windows past the
 * watermark); a message partial that comes later, or after a reducer restart that lost the memory, finds
 * its windows closed: skipped when the restored position covers it, else reported too late, and never
 * merged twice into a record.
 *
 * The graph path (`vigil.spans.{p}`, span partitions by trace id) is cut the same way: per message, id
 * `s/<seq>/<p>`; per batch, one halves message per (tenant, span partition) with the same covers, src
 * `b/<first seq>/<p>/<hash of covers>`, id `s/<src>`. The graph assembler (src/graph/graph_assembler.ts)
 * counts units `<seq>/<p>` and skips duplicates and overlaps as the reducer does, and the batch's span
 * PubAcks are inside the same fence, so the argument above holds for the graph word for word.
 */
import type { Bus } from "../bus/connection.ts";
import { publishDurable } from "../bus/publish.ts";
import { type BusMessage, pullBatches } from "../bus/pull_batches.ts";
import { OTLP_SIGNALS, type OtlpSignal, STREAMS, subjects } from "../bus/subjects.ts";
import { type Extracted, Extractor } from "./extract.ts";
import { OtlpScanError } from "./otlp_scan.ts";
import { type BinaryPartial, encodePartial } from "./partial_codec.ts";
import type { ServiceWindow } from "./window_aggregate.ts";
import { encodeHalves } from "../graph/halves_codec.ts";
import type { ResourceLink } from "../graph/edge_half.ts";
import { HalfColumns } from "../graph/half_columns.ts";
import type { HalfColumnsMessage } from "../graph/graph_assembler.ts";

export const FEATURE_CONSUMER = "vigil-features";

/** How feature partials are cut: one per pull batch and partition, or one per OTLP message and partition. */
export type PartialsPer = "batch" | "message";

/** Steps of a batch, in order, for fault-injection tests (`on_batch_step`). */
export type BatchStep = "published";

export interface FeatureWorkerOptions {
  /** @default 10000 */
  window_ms?: number;
  /** Partitions of vigil.features.partial. @default 1 */
  feature_partitions?: number;
  /** Partitions of vigil.spans. @default 1 */
  span_partitions?: number;
  /** OTLP messages per pull. @default 64 */
  batch_size?: number;
  /** @default "batch" */
  partials_per?: PartialsPer;
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
  /**
   * Called once every PubAck of a pull batch is in and before anything is acked (fault injection in
   * crash tests), with the batch's number in this worker (1, 2, ...). The worker waits for it.
   */
  on_batch_step?: (step: BatchStep, info: { batch: number; batched: number }) => void | Promise<void>;
}

export interface FeatureWorkerCounters {
  messages: number;
  items: number;
  malformed: number;
  published: number;
  publish_failures: number;
  /** Feature partials that aggregate a pull batch (several OTLP messages). */
  batch_partials: number;
  /** OTLP messages aggregated into batch partials. */
  batched_messages: number;
  /** Batched messages nak'ed because their PubAcks came past the fence (they come back one by one). */
  given_back: number;
  /**
   * Batched messages extracted a second time because a malformed message of their tenant and batch may
   * have left part of itself in the batch's windows (at most once per message).
   */
  reextracted: number;
}

export function newWorkerCounters(): FeatureWorkerCounters {
  return {
    messages: 0,
    items: 0,
    malformed: 0,
    published: 0,
    publish_failures: 0,
    batch_partials: 0,
    batched_messages: 0,
    given_back: 0,
    reextracted: 0,
  };
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

function parseOrThrow(subject: string): { signal: OtlpSignal; tenant: string } {
  const parsed = parseOtlpSubject(subject);
  if (!parsed) {
    throw new OtlpScanError(`Cannot process subject ${subject}: not otlp.v1.{signal}.{tenant}`);
  }
  return parsed;
}

interface Partitions {
  feature_partitions: number;
  span_partitions: number;
}

type Out = [subject: string, msg_id: string, body: Uint8Array][];

/** The span partials (graph halves, resource links) of one OTLP message, one per span partition. */
function spanPartials(
  out: Out,
  x: Omit<Extracted, "windows">,
  tenant: string,
  seq: number,
  SP: number,
): void {
  if (x.halves.length === 0 && x.resources.length === 0) return;
  const sp = new Map<number, HalfColumnsMessage>();
  for (const [p, halves] of byTrace(x.halves, SP)) {
    sp.set(p, { v: 1, tenant, src: `${seq}/${p}`, max_event_ms: x.max_event_ms, halves, resources: [] });
  }
  if (x.resources.length > 0) {
    let m = sp.get(0);
    if (!m) {
      const halves = new HalfColumns();
      sp.set(0, m = { v: 1, tenant, src: `${seq}/0`, max_event_ms: x.max_event_ms, halves, resources: [] });
    }
    m.resources = x.resources;
  }
  for (const [p, m] of sp) out.push([subjects.spans(p), `s/${seq}/${p}`, encodeHalves(m)]);
}

/** Halves by span partition (p = hash(trace id) mod SP; all of them in partition 0 when SP is 1). */
function byTrace(halves: HalfColumns, SP: number): Map<number, HalfColumns> {
  const out = new Map<number, HalfColumns>();
  if (halves.length === 0) return out;
  if (SP === 1) return out.set(0, halves);
  for (let i = 0; i < halves.length; i++) {
    const p = halves.partitionOf(i, SP);
    let c = out.get(p);
    if (!c) out.set(p, c = new HalfColumns());
    c.pushFrom(halves, i);
  }
  return out;
}

/** Windows by feature partition. */
function byPartition(windows: Iterable<ServiceWindow>, FP: number): Map<number, ServiceWindow[]> {
  const byP = new Map<number, ServiceWindow[]>();
  for (const w of windows) {
    const p = FP === 1 ? 0 : hash32(w.service) % FP;
    const list = byP.get(p);
    if (list) list.push(w);
    else byP.set(p, [w]);
  }
  return byP;
}

/** What one OTLP message turns into: [subject, msg id, body] triples. Throws OtlpScanError. */
export function partialsFor(
  ex: Extractor,
  msg: { subject: string; data: Uint8Array; stream_seq: number },
  options: Partitions,
): { out: Out; items: number } {
  const { signal, tenant } = parseOrThrow(msg.subject);
  const x = ex.extract(signal, tenant, msg.data);
  const out: Out = [];
  const seq = msg.stream_seq;
  for (const [p, windows] of byPartition(x.windows, options.feature_partitions)) {
    const m: BinaryPartial = { v: 1, tenant, src: `${seq}/${p}`, max_event_ms: x.max_event_ms, windows };
    out.push([subjects.featuresPartial(p), `f/${seq}/${p}`, encodePartial(m)]);
  }
  spanPartials(out, x, tenant, seq, options.span_partitions);
  return { out, items: x.items };
}

/** A tenant's share of a pull batch, aggregated in place. */
interface TenantBatch {
  windows: Map<string, ServiceWindow>;
  /** Graph edge halves (split by span partition at the end), and resource links (span partition 0). */
  halves: HalfColumns;
  resources: ResourceLink[];
  /** [signal, message] of the messages merged into `windows`, in order. */
  good: [OtlpSignal, { data: Uint8Array; stream_seq: number }][];
  max_event_ms: number;
  /** A malformed message of the tenant may have left part of itself in `windows`: rebuild them. */
  dirty: boolean;
}

/**
 * What the first deliveries of a pull batch turn into: one feature partial per (tenant, feature partition)
 * that aggregates every message of the tenant (`covers` = their stream sequences, ascending), and one span
 * partial per (tenant, span partition) with the same covers. Malformed messages are left out of
 * everything and returned with their error, in input order.
 *
 * A malformed message is found mid-scan, after its first items may have been merged into the tenant's
 * windows (its halves are rolled back by the extractor). The tenant is marked dirty and, once the whole
 * batch is scanned, its windows are rebuilt from its good messages: each message is extracted at most
 * twice however many are malformed (`reextracted` counts the second extractions), and the result is
 * that of a batch of the good messages alone.
 */
export function batchPartialsFor<M extends { subject: string; data: Uint8Array; stream_seq: number }>(
  ex: Extractor,
  msgs: readonly M[],
  options: Partitions,
): { out: Out; items: number; partials: number; reextracted: number; malformed: [M, OtlpScanError][] } {
  const out: Out = [];
  const malformed: [M, OtlpScanError][] = [];
  const tenants = new Map<string, TenantBatch>();
  let items = 0;
  let reextracted = 0;
  for (const m of msgs) {
    let tenant = "", signal: OtlpSignal = "traces";
    let t: TenantBatch | undefined;
    try {
      ({ signal, tenant } = parseOrThrow(m.subject));
      t = tenants.get(tenant);
      if (t === undefined) {
        t = {
          windows: new Map(),
          halves: new HalfColumns(),
          resources: [],
          good: [],
          max_event_ms: -Infinity,
          dirty: false,
        };
        tenants.set(tenant, t);
      }
      const x = ex.extractInto(signal, m.data, { tenant, windows: t.windows, halves: t.halves });
      items += x.items;
      if (x.max_event_ms > t.max_event_ms) t.max_event_ms = x.max_event_ms;
      t.good.push([signal, m]);
      for (const r of x.resources) t.resources.push(r);
    } catch (e) {
      if (!(e instanceof OtlpScanError)) throw e;
      malformed.push([m, e]);
      if (t !== undefined) t.dirty = true;
    }
  }
  let partials = 0;
  for (const [tenant, t] of tenants) {
    if (t.good.length === 0) continue;
    if (t.dirty) {
      // the good messages again, in order, into empty windows (halves and resources are already exact)
      t.windows.clear();
      for (const [sig, g] of t.good) ex.extractInto(sig, g.data, { tenant, windows: t.windows });
      reextracted += t.good.length;
    }
    const covers = t.good.map(([, g]) => g.stream_seq).sort((a, b) => a - b);
    const tag = hash32(covers.join(",")).toString(36);
    // what a batch's feature and span messages share: src b/<first seq>/<p>/<hash of covers>, covers
    const head = (p: number) => ({
      v: 1 as const,
      tenant,
      src: `b/${covers[0]}/${p}/${tag}`,
      covers,
      partition: p,
      max_event_ms: t.max_event_ms,
    });
    for (const [p, windows] of byPartition(t.windows.values(), options.feature_partitions)) {
      const m: BinaryPartial = { ...head(p), windows };
      out.push([subjects.featuresPartial(p), `f/${m.src}`, encodePartial(m)]);
      partials++;
    }
    const byP = byTrace(t.halves, options.span_partitions);
    if (t.resources.length > 0 && !byP.has(0)) byP.set(0, new HalfColumns());
    for (const [p, halves] of byP) {
      const m: HalfColumnsMessage = { ...head(p), halves, resources: p === 0 ? t.resources : [] };
      out.push([subjects.spans(p), `s/${m.src}`, encodeHalves(m)]);
    }
  }
  return { out, items, partials, reextracted, malformed };
}

/** Runs until `signal` aborts. Never throws for bad input (counted); NATS failures nak and retry. */
export async function runFeatureWorker(bus: Bus, options: FeatureWorkerOptions): Promise<void> {
  const ex = new Extractor({ window_ms: options.window_ms, graph: options.graph });
  const counters = options.counters ?? newWorkerCounters();
  const parts: Partitions = {
    feature_partitions: options.feature_partitions ?? 1,
    span_partitions: options.span_partitions ?? 1,
  };
  const per = options.partials_per ?? "batch";
  if (per !== "batch" && per !== "message") {
    throw new RangeError(
      `Cannot run the feature worker as partials_per must be "batch" or "message": current value is ${per}`,
    );
  }
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
  let batchNo = 0;
  const onBatch = async (msgs: BusMessage[]) => {
    const pubs: Promise<unknown>[] = [];
    /** acked after the PubAcks */
    const good: BusMessage[] = [];
    /** batched: acked after the PubAcks only if those came before the fence, else given back */
    let fenced: BusMessage[] = [];
    let fence = Infinity;
    const now = performance.now();
    const single: BusMessage[] = [];
    for (const m of msgs) {
      counters.messages++;
      // a message past the fence already would send its whole batch back: it goes alone
      if (per === "batch" && m.delivery_count === 1 && now - m.received_ms < m.ack_wait_ms / 2) {
        fenced.push(m);
      } else single.push(m);
    }
    if (fenced.length === 1) single.push(fenced.pop()!);
    const fail = (m: BusMessage, e: OtlpScanError) => {
      counters.malformed++;
      // kept in the DLQ stream; if that copy fails the message stays unacked and comes back
      pubs.push(m.deadLetter(`malformed OTLP: ${e.message}`));
    };
    if (fenced.length > 0) {
      const b = batchPartialsFor(ex, fenced, parts);
      counters.items += b.items;
      counters.batch_partials += b.partials;
      counters.reextracted += b.reextracted;
      for (const [subject, id, body] of b.out) pubs.push(publishDurable(bus, subject, body, { msg_id: id }));
      if (b.malformed.length > 0) {
        for (const [m, e] of b.malformed) fail(m, e);
        const bad = new Set(b.malformed.map(([m]) => m));
        fenced = fenced.filter((m) => !bad.has(m));
      }
      counters.batched_messages += fenced.length;
      for (const m of fenced) fence = Math.min(fence, m.received_ms + m.ack_wait_ms / 2);
    }
    for (const m of single) {
      try {
        const { out, items } = partialsFor(ex, m, parts);
        counters.items += items;
        for (const [subject, id, body] of out) pubs.push(publishDurable(bus, subject, body, { msg_id: id }));
        good.push(m);
      } catch (e) {
        if (!(e instanceof OtlpScanError)) throw e;
        fail(m, e);
      }
    }
    const batch = ++batchNo;
    const settle = Promise.all(pubs).then(
      async () => {
        counters.published += pubs.length;
        await options.on_batch_step?.("published", { batch, batched: fenced.length });
        for (const m of good) m.ack();
        if (performance.now() < fence) { for (const m of fenced) m.ack(); }
        else {
          // a redelivery may have been published before the batch partial was stored: give the messages
          // back, each comes back redelivered and goes one partial per message (module docs, case 2)
          counters.given_back += fenced.length;
          for (const m of fenced) m.nak();
        }
      },
      () => {
        counters.publish_failures++;
        for (const m of good) m.nak(1_000);
        for (const m of fenced) m.nak(1_000);
      },
    );
    const n = good.length + fenced.length;
    unacked += n;
    const tracked: Promise<void> = settle.finally(() => {
      inFlight.delete(tracked);
      unacked -= n;
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
