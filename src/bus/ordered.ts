/**
 * Replays a stream from a point in time with an ordered (ephemeral, flow-controlled, gap-free) consumer,
 * then follows it live. For stages whose state is rebuilt from the stream's recent history on start
 * (detectors): they need no acks, and their outputs carry deterministic ids so replays deduplicate.
 */
import { DeliverPolicy } from "@nats-io/jetstream";
import type { Bus } from "./connection.ts";

export interface OrderedReplayOptions {
  stream: string;
  filter_subjects: string[];
  /** Replay starts at messages stored at or after this time; 0 = the whole stream. */
  start_time_ms: number;
  signal: AbortSignal;
  on_error?: (e: unknown) => void;
}

/**
 * Calls `onMessage` for each message in order, awaiting it before the next. Returns when `signal`
 * aborts. Reconnects and resumes after NATS outages (the ordered consumer resumes from the last
 * sequence it delivered).
 */
export async function replayAndFollow(
  bus: Bus,
  onMessage: (subject: string, data: Uint8Array, seq: number) => Promise<void> | void,
  options: OrderedReplayOptions,
): Promise<void> {
  const { signal } = options;
  let lastSeq = 0;
  while (!signal.aborted) {
    try {
      const consumer = await bus.js.consumers.get(options.stream, {
        filter_subjects: options.filter_subjects,
        ...(lastSeq > 0
          ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: lastSeq + 1 }
          : options.start_time_ms > 0
          ? {
            deliver_policy: DeliverPolicy.StartTime,
            opt_start_time: new Date(options.start_time_ms).toISOString(),
          }
          : { deliver_policy: DeliverPolicy.All }),
      });
      const messages = await consumer.consume({ max_messages: 256 });
      const stop = () => messages.stop();
      signal.addEventListener("abort", stop, { once: true });
      if (signal.aborted) stop(); // aborted while the consumer was being created
      try {
        for await (const m of messages) {
          await onMessage(m.subject, m.data, m.seq);
          lastSeq = m.seq;
          if (signal.aborted) break;
        }
      } finally {
        signal.removeEventListener("abort", stop);
      }
    } catch (e) {
      if (signal.aborted) return;
      options.on_error?.(e);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}
