/**
 * Durable pull consumers shared by several processes or workers, consumed in batches.
 *
 * Contract: `pullBatches` hands each batch to `onBatch`, which owns the messages: it must ack, nak or
 * term every one (after its effect is durable: at-least-once). A message neither acked nor nak'ed is
 * redelivered after `ack_wait_ms`, at most `max_deliver` times. Errors from the server (NATS away,
 * consumer missing) are retried with a pause; `pullBatches` returns when `signal` aborts.
 */
import { setImmediate } from "node:timers";
import { AckPolicy, DeliverPolicy, type JsMsg } from "@nats-io/jetstream";
import type { Bus } from "./connection.ts";
import { publishDurable } from "./publish.ts";
import { subjects } from "./subjects.ts";

export interface PullConsumerSpec {
  stream: string;
  durable: string;
  filter_subjects: string[];
  /** @default 30000 */
  ack_wait_ms?: number;
  /** @default 5 */
  max_deliver?: number;
  /** @default 20000 */
  max_ack_pending?: number;
}

/** Creates the durable consumer, or updates its settings. Idempotent. */
export async function ensurePullConsumer(bus: Bus, spec: PullConsumerSpec): Promise<void> {
  const jsm = await bus.jsm();
  const cfg = {
    durable_name: spec.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: (spec.ack_wait_ms ?? 30_000) * 1_000_000,
    max_deliver: spec.max_deliver ?? 5,
    max_ack_pending: spec.max_ack_pending ?? 20_000,
    filter_subjects: spec.filter_subjects,
  };
  try {
    await jsm.consumers.info(spec.stream, spec.durable);
    const { durable_name: _d, deliver_policy: _p, ...update } = cfg;
    await jsm.consumers.update(spec.stream, spec.durable, update);
  } catch (e) {
    if (!/not found/i.test(String((e as Error).message))) throw e;
    await jsm.consumers.add(spec.stream, cfg);
  }
}

/** Pending work of a durable consumer (for drain checks and lag metrics). */
export async function consumerLag(
  bus: Bus,
  stream: string,
  durable: string,
): Promise<{ pending: number; ack_pending: number; redelivered: number }> {
  const info = await (await bus.jsm()).consumers.info(stream, durable);
  return { pending: info.num_pending, ack_pending: info.num_ack_pending, redelivered: info.num_redelivered };
}

export interface BusMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  /** Sequence in the stream: stable across redeliveries. */
  readonly stream_seq: number;
  readonly delivery_count: number;
  /**
   * When this process received the message (`performance.now()`). JetStream delivered it a little
   * earlier, and redelivers it from about `received_ms + ack_wait_ms` on unless it is acked.
   */
  readonly received_ms: number;
  /** The consumer's ack wait, as the server reported it when consuming began. */
  readonly ack_wait_ms: number;
  ack(): void;
  nak(delay_ms?: number): void;
  /** Never redeliver (malformed input). */
  term(reason?: string): void;
  /**
   * Copies the message to the dead-letter stream (`vigil.dlq.<stream>`, headers Vigil-Reason,
   * Vigil-Subject, Vigil-Stream-Seq; deduplicated by stream and sequence), then terminates it, so
   * nothing is lost. Rejects, leaving the message unacked, when the copy could not be stored.
   */
  deadLetter(reason: string): Promise<void>;
}

function wrap(bus: Bus, stream: string, m: JsMsg, ack_wait_ms: number): BusMessage {
  return {
    subject: m.subject,
    data: m.data,
    stream_seq: m.info.streamSequence,
    delivery_count: m.info.deliveryCount,
    received_ms: performance.now(),
    ack_wait_ms,
    ack: () => m.ack(),
    nak: (d) => m.nak(d),
    term: (r) => m.term(r),
    async deadLetter(reason) {
      await publishDurable(bus, subjects.deadLetter(stream), m.data, {
        msg_id: `dlq/${stream}/${m.info.streamSequence}`,
        headers: {
          "Vigil-Reason": reason.slice(0, 512),
          "Vigil-Subject": m.subject,
          "Vigil-Stream-Seq": String(m.info.streamSequence),
        },
      });
      m.term(reason.slice(0, 200));
    },
  };
}

export interface PullBatchesOptions {
  stream: string;
  durable: string;
  /** Most messages handed to one `onBatch` call (fewer when fewer are waiting). @default 64 */
  batch_size?: number;
  /**
   * Byte budget of the pull requests: the most the server may send this consumer before it asks again (at
   * most 100 messages a pull). It bounds what piles up in the server's buffer for this connection while
   * `onBatch` computes: that buffer is per connection (`max_pending`, 64 MiB by default), and past it the
   * server drops the connection as a slow consumer, whose pull then stalls until it expires (30 s).
   * Without it, a pull of 2 × `batch_size` large messages (OTLP requests run to megabytes) overflowed it.
   * The default leaves room for several consumers on one connection (the engine's reducer and graph
   * share one). Never below twice the server's `max_payload`, so that a message of any allowed size can be
   * pulled; a server with a `max_payload` near `max_pending` needs a larger `max_pending`. What has
   * arrived and waits for `onBatch` is bounded by the consumer's `max_ack_pending`. @default 16 MiB
   */
  max_bytes?: number;
  signal: AbortSignal;
  /**
   * Called after each failed pull (NATS away...). @default a line on stderr, once per distinct error until
   * messages flow again
   */
  on_error?: (e: unknown) => void;
}

/**
 * Consumes continuously (pulls of up to `max_bytes`, asked again at half of it) and hands over whatever has
 * arrived, up to `batch_size` messages, as soon as the previous `onBatch` call is done: batches grow
 * under load and stay small (no added latency) when idle. Returns once `signal` aborts and the batch in
 * flight is done.
 */
export async function pullBatches(
  bus: Bus,
  onBatch: (msgs: BusMessage[]) => Promise<void>,
  options: PullBatchesOptions,
): Promise<void> {
  const { signal } = options;
  const batch = options.batch_size ?? 64;
  let logged = "";
  const onError = options.on_error ?? ((e: unknown) => {
    const line = `vigil: consuming ${options.stream}/${options.durable} failed, retrying: ${
      e instanceof Error ? e.message : String(e)
    }`;
    if (line !== logged) console.error(line);
    logged = line;
  });
  while (!signal.aborted) {
    try {
      const consumer = await bus.js.consumers.get(options.stream, options.durable);
      // the server's default ack wait is 30 s
      const ackWaitMs = ((await consumer.info(true)).config.ack_wait ?? 30e9) / 1e6;
      // Bytes bound the pulls (the client then asks for at most 100 messages a pull). It pulls again once
      // half the budget has been handed over, so each new pull can hold the largest message allowed: a
      // pull too small for the next message is refused (409), and the client would wait for its
      // heartbeat to time out before pulling again.
      const maxPayload = bus.nc.info?.max_payload ?? 0;
      const maxBytes = Math.max(options.max_bytes ?? 16 * 1024 * 1024, 2 * maxPayload);
      const iter = await consumer.consume({ max_bytes: maxBytes, threshold_bytes: Math.floor(maxBytes / 2) });
      const stop = () => iter.stop();
      signal.addEventListener("abort", stop, { once: true });
      const queue: BusMessage[] = [];
      let wake: (() => void) | null = null;
      let ended = false;
      let failed: unknown = null;
      const processor = (async () => {
        while (true) {
          if (queue.length === 0) {
            if (ended) return;
            await new Promise<void>((r) => (wake = r));
            wake = null;
            continue;
          }
          // the client hands over the messages it has read one microtask at a time, and this loop would
          // wake at the first: let those already read join the batch (a macrotask, ~10 µs) first, so that
          // batches are as large as what has arrived and not one message each
          if (queue.length < batch && !ended) await new Promise((r) => setImmediate(r));
          await onBatch(queue.splice(0, batch));
        }
      })().catch((e) => {
        failed = e;
        iter.stop();
      });
      for await (const m of iter) {
        logged = "";
        queue.push(wrap(bus, options.stream, m, ackWaitMs));
        (wake as (() => void) | null)?.();
      }
      ended = true;
      (wake as (() => void) | null)?.();
      await processor;
      signal.removeEventListener("abort", stop);
      if (failed) throw failed;
    } catch (e) {
      if (signal.aborted) return;
      onError(e);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
