/**
 * The OTLP/HTTP receiver (spec: opentelemetry.io/docs/specs/otlp/#otlphttp), as a plain
 * `(signal, Request) => Response` handler; src/api mounts it on :4318.
 *
 * Guarantees: 200 only after JetStream acknowledged every message of the request; each message carries
 * a Nats-Msg-Id derived from its content, so a client's retry within the stream's duplicate window stores
 * nothing new; items with invalid ids are dropped and reported through partial_success; errors carry a
 * google.rpc.Status naming the problem, in the request's encoding. Client mistakes are 4xx, never 5xx.
 */
import { createHash } from "node:crypto";
import type { Bus } from "../bus/connection.ts";
import { BusUnavailableError, StreamFullError } from "../bus/errors.ts";
import { publishDurable } from "../bus/publish.ts";
import { subjects, TENANT_RE } from "../bus/subjects.ts";
import {
  decodeOtlpMessage,
  encodeExportResponse,
  encodeOtlpMessage,
  encodeRpcStatus,
  exportResponseJson,
  otlpMessageFromJson,
  type OtlpSignal,
} from "../core/otlp/codec.ts";
import { countItems, dropInvalidItems, splitRequest } from "../core/otlp/items.ts";
import { OtlpWireError, scanOtlp } from "../core/otlp/wire.ts";
import { BodyEncodingError, BodyTooLargeError, readBody } from "./body.ts";

export interface OtlpReceiverOptions {
  /** @default 20971520 */
  max_body_bytes?: number;
  /** @default 4194304 */
  max_message_bytes?: number;
  /** @default 5000 */
  publish_timeout_ms?: number;
  /** @default 2 */
  retry_after_s?: number;
  /** @default "default" */
  default_tenant?: string;
  /** @default "x-vigil-tenant" */
  tenant_header?: string;
}

/** Counters, never per-request logs. */
export interface OtlpReceiverStats {
  requests: number;
  accepted_items: number;
  rejected_items: number;
  stored_messages: number;
  duplicate_messages: number;
  bytes: number;
  /** by HTTP status */
  errors: Record<number, number>;
}

type Encoding = "proto" | "json";

/** A full success is an empty Export*ServiceResponse: zero bytes in protobuf, whatever the signal. */
const EMPTY_RESPONSE = new Uint8Array(0);

/** A failure answered with a status code and a google.rpc.Status. */
class HttpFailure extends Error {
  constructor(readonly status: number, readonly rpc_code: number, message: string, readonly retry = false) {
    super(message);
  }
}

const RPC = { INVALID_ARGUMENT: 3, RESOURCE_EXHAUSTED: 8, UNIMPLEMENTED: 12, UNAVAILABLE: 14 } as const;

export class OtlpReceiver {
  readonly stats: OtlpReceiverStats = {
    requests: 0,
    accepted_items: 0,
    rejected_items: 0,
    stored_messages: 0,
    duplicate_messages: 0,
    bytes: 0,
    errors: {},
  };
  readonly #bus: Bus;
  readonly #o: Required<OtlpReceiverOptions>;

  constructor(bus: Bus, options: OtlpReceiverOptions = {}) {
    this.#bus = bus;
    this.#o = {
      max_body_bytes: options.max_body_bytes ?? 20 * 1024 * 1024,
      max_message_bytes: options.max_message_bytes ?? 4 * 1024 * 1024,
      publish_timeout_ms: options.publish_timeout_ms ?? 5_000,
      retry_after_s: options.retry_after_s ?? 2,
      default_tenant: options.default_tenant ?? "default",
      tenant_header: options.tenant_header ?? "x-vigil-tenant",
    };
  }

  /** Answers one export request. Never throws. */
  async handle(signal: OtlpSignal, req: Request): Promise<Response> {
    this.stats.requests++;
    let encoding: Encoding = "json";
    try {
      encoding = mediaEncoding(req.headers.get("content-type"));
      const gzip = contentEncoding(req.headers.get("content-encoding"));
      const tenant = this.#tenant(req);
      const declared = Number(req.headers.get("content-length") ?? NaN);
      if (!gzip && declared > this.#o.max_body_bytes) {
        throw new HttpFailure(
          413,
          RPC.INVALID_ARGUMENT,
          `the request body of ${declared} bytes exceeds the limit of ${this.#o.max_body_bytes}`,
        );
      }
      const body = await readBody(req.body, { max_bytes: this.#o.max_body_bytes, gzip, request: req }).catch(
        (e) => {
          if (e instanceof BodyTooLargeError || e instanceof BodyEncodingError) throw e;
          // the client's connection broke mid-body: its network, never a reason to answer 5xx
          throw new HttpFailure(
            400,
            RPC.INVALID_ARGUMENT,
            `the request body could not be read: ${e?.message ?? e}`,
          );
        },
      );
      this.stats.bytes += body.length;
      const { payload, items, rejected, problem } = prepare(signal, encoding, body);
      if (items > 0) await this.#store(signal, tenant, payload);
      this.stats.accepted_items += items;
      this.stats.rejected_items += rejected;
      const partial = rejected > 0
        ? { rejected, error_message: `${rejected} ${itemNoun(signal)} rejected: ${problem}` }
        : undefined;
      return encoding === "proto"
        ? new Response(partial ? encodeExportResponse(signal, partial) : EMPTY_RESPONSE, {
          headers: { "content-type": "application/x-protobuf" },
        })
        : Response.json(exportResponseJson(signal, partial));
    } catch (e) {
      const f = toFailure(e);
      this.stats.errors[f.status] = (this.stats.errors[f.status] ?? 0) + 1;
      // the body may be unread (415, 413 on content-length): release it
      req.body?.cancel().catch(() => {});
      return errorResponse(f, encoding, this.#o.retry_after_s);
    }
  }

  #tenant(req: Request): string {
    const t = req.headers.get(this.#o.tenant_header);
    if (t === null || t === "") return this.#o.default_tenant;
    if (!TENANT_RE.test(t)) {
      throw new HttpFailure(
        400,
        RPC.INVALID_ARGUMENT,
        `header ${this.#o.tenant_header} must be 1-64 of [A-Za-z0-9_-]: got "${t.slice(0, 80)}"`,
      );
    }
    return t;
  }

  async #store(signal: OtlpSignal, tenant: string, payload: Payload): Promise<void> {
    const parts = payload.bytes.length <= this.#o.max_message_bytes
      ? [payload.bytes]
      : splitRequest(signal, payload.bytes, {
        max_bytes: this.#o.max_message_bytes,
        resource_ranges: payload.resource_ranges ?? scanOtlp(signal, payload.bytes).resource_ranges,
      });
    const subject = subjects.otlp(signal, tenant);
    const base = contentId(signal, tenant, payload.bytes);
    const acks = await Promise.all(parts.map((p, i) =>
      publishDurable(this.#bus, subject, p, {
        msg_id: parts.length === 1 ? base : `${base}.${i}`,
        timeout_ms: this.#o.publish_timeout_ms,
      })
    ));
    for (const a of acks) a.duplicate ? this.stats.duplicate_messages++ : this.stats.stored_messages++;
  }
}

interface Payload {
  bytes: Uint8Array;
  resource_ranges?: readonly number[];
}

/** Validates the body and returns the protobuf to store (invalid items removed). */
function prepare(signal: OtlpSignal, encoding: Encoding, body: Uint8Array) {
  if (encoding === "proto") {
    let scan;
    try {
      scan = scanOtlp(signal, body);
    } catch (e) {
      if (e instanceof OtlpWireError) throw new HttpFailure(400, RPC.INVALID_ARGUMENT, e.message);
      throw e;
    }
    if (scan.invalid === 0) {
      return {
        payload: { bytes: body, resource_ranges: scan.resource_ranges },
        items: scan.items,
        rejected: 0,
        problem: "",
      };
    }
    const msg = decodeOtlpMessage(signal, body);
    dropInvalidItems(signal, msg);
    return {
      payload: { bytes: encodeOtlpMessage(signal, msg) },
      items: scan.items - scan.invalid,
      rejected: scan.invalid,
      problem: scan.first_problem,
    };
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body));
  } catch (e) {
    throw new HttpFailure(400, RPC.INVALID_ARGUMENT, `the body is not valid JSON: ${(e as Error).message}`);
  }
  let msg;
  try {
    msg = otlpMessageFromJson(signal, json);
  } catch (e) {
    throw new HttpFailure(
      400,
      RPC.INVALID_ARGUMENT,
      `the body is not a valid OTLP/JSON ${signal} request: ${(e as Error).message}`,
    );
  }
  const total = countItems(signal, msg);
  const bytes = encodeOtlpMessage(signal, msg);
  // ids are checked by the same scan as protobuf requests
  const scan = scanOtlp(signal, bytes);
  if (scan.invalid === 0) {
    return {
      payload: { bytes, resource_ranges: scan.resource_ranges },
      items: total,
      rejected: 0,
      problem: "",
    };
  }
  dropInvalidItems(signal, msg);
  return {
    payload: { bytes: encodeOtlpMessage(signal, msg) },
    items: total - scan.invalid,
    rejected: scan.invalid,
    problem: scan.first_problem,
  };
}

function contentId(signal: OtlpSignal, tenant: string, bytes: Uint8Array): string {
  return createHash("sha256").update(signal).update("\0").update(tenant).update("\0").update(bytes).digest(
    "hex",
  )
    .slice(0, 40);
}

function itemNoun(signal: OtlpSignal): string {
  return signal === "traces" ? "spans" : signal === "metrics" ? "data points" : "log records";
}

function mediaEncoding(contentType: string | null): Encoding {
  const media = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (media === "application/x-protobuf" || media === "application/protobuf") return "proto";
  if (media === "application/json") return "json";
  throw new HttpFailure(
    415,
    RPC.INVALID_ARGUMENT,
    `unsupported Content-Type "${contentType ?? ""}": use application/x-protobuf or application/json`,
  );
}

function contentEncoding(value: string | null): boolean {
  const v = (value ?? "").trim().toLowerCase();
  if (v === "" || v === "identity") return false;
  if (v === "gzip") return true;
  throw new HttpFailure(
    415,
    RPC.INVALID_ARGUMENT,
    `unsupported Content-Encoding "${value}": use gzip or none`,
  );
}

function toFailure(e: unknown): HttpFailure {
  if (e instanceof HttpFailure) return e;
  if (e instanceof BodyTooLargeError) return new HttpFailure(413, RPC.INVALID_ARGUMENT, e.message);
  if (e instanceof BodyEncodingError) return new HttpFailure(400, RPC.INVALID_ARGUMENT, e.message);
  if (e instanceof StreamFullError) {
    return new HttpFailure(
      429,
      RPC.RESOURCE_EXHAUSTED,
      `Vigil's OTLP stream is full; retry later (${e.message})`,
      true,
    );
  }
  if (e instanceof BusUnavailableError) {
    return new HttpFailure(
      503,
      RPC.UNAVAILABLE,
      `Vigil cannot store data right now; retry later (${e.message})`,
      true,
    );
  }
  if (e instanceof RangeError && /Cannot split/.test(e.message)) {
    return new HttpFailure(413, RPC.INVALID_ARGUMENT, e.message);
  }
  return new HttpFailure(
    503,
    RPC.UNAVAILABLE,
    `internal error, nothing was stored: ${(e as Error)?.message ?? e}`,
    true,
  );
}

function errorResponse(f: HttpFailure, encoding: Encoding, retryAfter: number): Response {
  const headers: Record<string, string> = {};
  if (f.retry) headers["retry-after"] = String(retryAfter);
  if (encoding === "proto" && f.status !== 415) {
    headers["content-type"] = "application/x-protobuf";
    return new Response(encodeRpcStatus(f.rpc_code, f.message), { status: f.status, headers });
  }
  return Response.json({ code: f.rpc_code, message: f.message }, { status: f.status, headers });
}

/** 405 for the OTLP paths with another method. */
export function methodNotAllowed(method: string, path: string): Response {
  return Response.json(
    { code: RPC.UNIMPLEMENTED, message: `${method} is not allowed on ${path}: use POST` },
    { status: 405, headers: { allow: "POST" } },
  );
}
