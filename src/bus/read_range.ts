/**
 * Reads a stretch of a stream again, by sequence, with an ordered consumer (ephemeral, no acks): for a
 * stage that restores its state from a snapshot and must re-read the messages its durable consumer
 * delivered but never acked, without waiting `ack_wait` for JetStream to redeliver them.
 */
import { DeliverPolicy } from "@nats-io/jetstream";
import type { Bus } from "./connection.ts";

/** Stream sequences a durable consumer has delivered beyond its ack floor: [from_seq, to_seq], maybe empty. */
export async function unackedRange(
  bus: Bus,
  stream: string,
  durable: string,
): Promise<{ from_seq: number; to_seq: number }> {
  const info = await (await bus.jsm()).consumers.info(stream, durable);
  return { from_seq: info.ack_floor.stream_seq + 1, to_seq: info.delivered.stream_seq };
}

/**
 * Calls `onMessage` for every message of `stream` matching `filter_subjects` with sequence in
 * [from_seq, to_seq], in order, awaiting each. Messages the stream no longer holds are skipped.
 * Returns how many were read.
 */
export async function readRange(
  bus: Bus,
  onMessage: (data: Uint8Array, seq: number) => void | Promise<void>,
  options: { stream: string; filter_subjects: string[]; from_seq: number; to_seq: number },
): Promise<number> {
  const si = await (await bus.jsm()).streams.info(options.stream);
  const from = Math.max(options.from_seq, si.state.first_seq);
  const to = Math.min(options.to_seq, si.state.last_seq);
  if (from > to) return 0;
  const consumer = await bus.js.consumers.get(options.stream, {
    filter_subjects: options.filter_subjects,
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: from,
  });
  if ((await consumer.info()).num_pending === 0) return 0;
  const messages = await consumer.consume({ max_messages: 256 });
  let n = 0;
  try {
    for await (const m of messages) {
      if (m.seq > to) break;
      await onMessage(m.data, m.seq);
      n++;
      if (m.seq >= to || m.info.pending === 0) break;
    }
  } finally {
    messages.stop();
  }
  return n;
}
