/**
 * Durable publishing: resolves only once JetStream has stored the message (PubAck). Duplicates within
 * the stream's duplicate window are recognised by `Nats-Msg-Id` and stored once.
 */
import type { Bus } from "./connection.ts";
import { BusUnavailableError, StreamFullError } from "./errors.ts";

export interface PublishOptions {
  /** Nats-Msg-Id: the same id within the duplicate window stores nothing new. */
  msg_id?: string;
  /** @default 5000 */
  timeout_ms?: number;
  headers?: Record<string, string>;
}

export interface PublishResult {
  stream: string;
  seq: number;
  duplicate: boolean;
}

const FULL_RE =
  /maximum (bytes|messages|messages per subject) exceeded|insufficient resources|resource limits/i;

export async function publishDurable(
  bus: Bus,
  subject: string,
  data: Uint8Array,
  options: PublishOptions = {},
): Promise<PublishResult> {
  if (!bus.connected) throw new BusUnavailableError("NATS is not connected");
  try {
    const ack = await bus.js.publish(subject, data, {
      msgID: options.msg_id,
      timeout: options.timeout_ms ?? 5_000,
      headers: options.headers ? await toHeaders(options.headers) : undefined,
    });
    return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
  } catch (e) {
    const msg = (e as Error).message ?? String(e);
    if (FULL_RE.test(msg)) throw new StreamFullError(`stream refused the message: ${msg}`, { cause: e });
    throw new BusUnavailableError(`JetStream did not acknowledge the publish: ${msg}`, { cause: e });
  }
}

let headersFactory: (() => import("@nats-io/transport-node").MsgHdrs) | undefined;
async function toHeaders(h: Record<string, string>) {
  headersFactory ??= (await import("@nats-io/transport-node")).headers;
  const hdrs = headersFactory();
  for (const [k, v] of Object.entries(h)) hdrs.set(k, v);
  return hdrs;
}
