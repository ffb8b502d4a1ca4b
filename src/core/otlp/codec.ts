/**
 * OTLP codec: protobuf encode/decode of the collector service messages, and OTLP/JSON normalisation.
 *
 * The plain-object form used throughout Vigil is OTLP/JSON's: lowerCamelCase field names, trace and span
 * ids as lowercase hex, enums as numbers, 64-bit integers as decimal strings (numbers are accepted on
 * input). Only the rare paths use this (JSON requests, rewriting a request with rejected items, tests,
 * the simulator); the hot path scans protobuf bytes in place (see wire.ts).
 */
import protobuf from "protobufjs";
import { OTLP_PROTO } from "./otlp_proto.ts";

export type OtlpSignal = "traces" | "metrics" | "logs";

// deno-lint-ignore no-explicit-any
export type OtlpObject = Record<string, any>;

const root = protobuf.parse(OTLP_PROTO, { keepCase: false }).root.resolveAll();

export function otlpType(name: string): protobuf.Type {
  return root.lookupType(`otlp.${name}`);
}

const REQUEST_TYPE: Record<OtlpSignal, string> = {
  traces: "ExportTraceServiceRequest",
  metrics: "ExportMetricsServiceRequest",
  logs: "ExportLogsServiceRequest",
};
const RESPONSE_TYPE: Record<OtlpSignal, string> = {
  traces: "ExportTraceServiceResponse",
  metrics: "ExportMetricsServiceResponse",
  logs: "ExportLogsServiceResponse",
};
/** The field of the PartialSuccess message that counts rejected items, per signal (JSON name). */
export const REJECTED_FIELD: Record<OtlpSignal, string> = {
  traces: "rejectedSpans",
  metrics: "rejectedDataPoints",
  logs: "rejectedLogRecords",
};

const requestTypes = mapSignals((s) => otlpType(REQUEST_TYPE[s]));
const responseTypes = mapSignals((s) => otlpType(RESPONSE_TYPE[s]));
const statusType = otlpType("RpcStatus");

/**
 * protobufjs returns Node Buffers from a shared pool under Deno; expose plain Uint8Array views so that
 * `slice()` copies (Buffer#slice does not) and callers never see Buffer semantics.
 */
function plain(b: Uint8Array): Uint8Array<ArrayBuffer> {
  return new Uint8Array(b.buffer as ArrayBuffer, b.byteOffset, b.byteLength);
}

function mapSignals<T>(f: (s: OtlpSignal) => T): Record<OtlpSignal, T> {
  return { traces: f("traces"), metrics: f("metrics"), logs: f("logs") };
}

/** Object keys that hold trace or span ids, hex-encoded in OTLP/JSON. */
const ID_KEYS = new Set(["traceId", "spanId", "parentSpanId"]);
/** An id that was not valid hex becomes these bytes: a length no id may have, so validation rejects it. */
const INVALID_ID = new Uint8Array([0]);

function camel(key: string): string {
  return key.includes("_") ? key.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()) : key;
}

/** The bytes of a hex string (either case); undefined when it is not hex (odd length, other characters). */
export function parseHex(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
  return out;
}

function hexToBytes(hex: string): Uint8Array {
  return parseHex(hex) ?? INVALID_ID;
}

export function bytesToHex(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
  return s;
}

/** OTLP/JSON → protobufjs `fromObject` form: camelCase keys, ids as bytes. Returns a new object. */
function fromJsonShape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(fromJsonShape);
  if (value === null || typeof value !== "object") return value;
  const out: OtlpObject = {};
  for (const [k, v] of Object.entries(value)) {
    const key = camel(k);
    out[key] = ID_KEYS.has(key) && typeof v === "string" ? hexToBytes(v) : fromJsonShape(v);
  }
  return out;
}

/** protobufjs `toObject` form → OTLP/JSON: ids as hex (other bytes stay base64, as OTLP/JSON says). */
function toJsonShape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toJsonShape);
  if (value === null || typeof value !== "object") return value;
  const out: OtlpObject = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = ID_KEYS.has(k) && v instanceof Uint8Array ? bytesToHex(v) : toJsonShape(v);
  }
  return out;
}

/**
 * Builds a protobufjs message from an OTLP/JSON object. Throws TypeError naming the offending field when a
 * value has the wrong type (the message reads like ".otlp.Span.kind: enum value expected").
 */
export function otlpMessageFromJson(signal: OtlpSignal, request: unknown): protobuf.Message {
  if (request === null || typeof request !== "object" || Array.isArray(request)) {
    throw new TypeError(`An OTLP ${signal} request must be a JSON object: got ${describe(request)}`);
  }
  const shaped = fromJsonShape(request) as OtlpObject;
  checkEnums(requestTypes[signal], shaped, REQUEST_TYPE[signal]);
  return requestTypes[signal].fromObject(shaped);
}

/**
 * protobufjs's fromObject() silently drops enum names it does not know; OTLP/JSON allows names, so an
 * unknown one is the client's mistake and is reported with its path.
 */
function checkEnums(type: protobuf.Type, obj: unknown, path: string): void {
  if (obj === null || typeof obj !== "object") return;
  for (const field of type.fieldsArray) {
    const v = (obj as OtlpObject)[field.name];
    if (v === undefined || v === null) continue;
    const rt = field.resolvedType;
    const values = field.repeated && Array.isArray(v) ? v : [v];
    if (rt instanceof protobuf.Enum) {
      for (const x of values) {
        if (typeof x === "string" && !(x in rt.values)) {
          throw new TypeError(`${path}.${field.name}: unknown ${rt.name} "${x.slice(0, 60)}"`);
        }
        if (typeof x !== "string" && typeof x !== "number") {
          throw new TypeError(`${path}.${field.name}: ${rt.name} must be a number or a name`);
        }
      }
    } else if (rt instanceof protobuf.Type) {
      values.forEach((x, i) =>
        checkEnums(rt, x, field.repeated ? `${path}.${field.name}[${i}]` : `${path}.${field.name}`)
      );
    }
  }
}

/** Encodes an Export{Trace,Metrics,Logs}ServiceRequest given in OTLP/JSON object form. */
export function encodeOtlp(signal: OtlpSignal, request: OtlpObject): Uint8Array<ArrayBuffer> {
  return plain(requestTypes[signal].encode(otlpMessageFromJson(signal, request)).finish());
}

/** Encodes an already-built protobufjs message of the signal's request type. */
export function encodeOtlpMessage(signal: OtlpSignal, message: protobuf.Message): Uint8Array<ArrayBuffer> {
  return plain(requestTypes[signal].encode(message).finish());
}

/** Decodes protobuf bytes into a protobufjs message (throws on malformed input). */
export function decodeOtlpMessage(signal: OtlpSignal, bytes: Uint8Array): protobuf.Message {
  return requestTypes[signal].decode(bytes);
}

/** Decodes an Export*ServiceRequest into OTLP/JSON object form. */
export function decodeOtlp(signal: OtlpSignal, bytes: Uint8Array): OtlpObject {
  return messageToJson(signal, decodeOtlpMessage(signal, bytes));
}

export function messageToJson(signal: OtlpSignal, message: protobuf.Message): OtlpObject {
  const obj = requestTypes[signal].toObject(message, { longs: String, enums: Number, bytes: Uint8Array });
  return toJsonShape(obj) as OtlpObject;
}

/** An Export*ServiceResponse, protobuf; `rejected` > 0 adds partial_success. */
export function encodeExportResponse(
  signal: OtlpSignal,
  partial?: { rejected: number; error_message: string },
): Uint8Array<ArrayBuffer> {
  const type = responseTypes[signal];
  const body = partial && (partial.rejected > 0 || partial.error_message)
    ? { partialSuccess: { [REJECTED_FIELD[signal]]: partial.rejected, errorMessage: partial.error_message } }
    : {};
  return plain(type.encode(type.fromObject(body)).finish());
}

/** The same response in OTLP/JSON. */
export function exportResponseJson(
  signal: OtlpSignal,
  partial?: { rejected: number; error_message: string },
): OtlpObject {
  if (!partial || (partial.rejected === 0 && !partial.error_message)) return {};
  return {
    partialSuccess: {
      [REJECTED_FIELD[signal]]: String(partial.rejected),
      errorMessage: partial.error_message,
    },
  };
}

/** google.rpc.Status, protobuf. `code` is a google.rpc.Code (3 INVALID_ARGUMENT, 14 UNAVAILABLE, ...). */
export function encodeRpcStatus(code: number, message: string): Uint8Array<ArrayBuffer> {
  return plain(statusType.encode(statusType.fromObject({ code, message })).finish());
}

export function decodeRpcStatus(bytes: Uint8Array): { code: number; message: string } {
  const o = statusType.toObject(statusType.decode(bytes), { defaults: true });
  return { code: o.code as number, message: o.message as string };
}

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  return typeof v === "string" ? `a string` : typeof v;
}
