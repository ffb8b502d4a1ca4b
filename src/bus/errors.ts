/** Bus failures that callers handle (the receiver maps them to 503 / 429 with Retry-After). */

/** NATS is unreachable, or did not acknowledge in time: nothing may be assumed stored. */
export class BusUnavailableError extends Error {
  override name = "BusUnavailableError";
}

/** The stream is at its limits and refuses new messages (discard: new). */
export class StreamFullError extends Error {
  override name = "StreamFullError";
}
