/**
 * Deterministic incident ids: FNV-1a 64-bit of tenant, root service and the onset's window bucket, so the
 * same fault seen twice (redelivery, a restarted worker) maps to the same id.
 */

/** FNV-1a 64-bit of a UTF-8 string, as 16 hex digits. */
export function fnv1a64(text: string): string {
  let h = 0xcbf29ce484222325n;
  const p = 0x100000001b3n;
  for (const b of new TextEncoder().encode(text)) {
    h ^= BigInt(b);
    h = (h * p) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, "0");
}

/**
 * `inc-` + 16 hex digits. `bucket_ms` quantizes the onset (default 60 s) so a slightly different onset
 * estimate of the same fault yields the same id.
 */
export function incidentId(
  tenant: string,
  root_service: string,
  options: { onset_ms: number; bucket_ms?: number },
): string {
  const bucket = options.bucket_ms ?? 60_000;
  if (!(bucket > 0)) {
    throw new RangeError(
      `Cannot compute an incident id as bucket_ms must be > 0: current value is ${bucket}`,
    );
  }
  const w = Math.floor(options.onset_ms / bucket);
  return `inc-${fnv1a64(`${tenant}\u0000${root_service}\u0000${w}`)}`;
}
