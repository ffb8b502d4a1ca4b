/**
 * Reads a request body with a hard cap, decompressing gzip on the fly and stopping at the cap, so that a
 * gzip bomb costs at most `max_bytes` of memory.
 */

export class BodyTooLargeError extends Error {
  override name = "BodyTooLargeError";
}
export class BodyEncodingError extends Error {
  override name = "BodyEncodingError";
}

export async function readBody(
  body: ReadableStream<Uint8Array> | null,
  options: { max_bytes: number; gzip: boolean; request?: Request },
): Promise<Uint8Array> {
  if (!body) return new Uint8Array();
  const { max_bytes, gzip, request } = options;
  // Fast path: an uncompressed body whose declared length is within the cap is read in one go (the
  // runtime stops at Content-Length, so the cap holds without counting chunks).
  const declared = Number(request?.headers.get("content-length") ?? NaN);
  if (!gzip && request && Number.isInteger(declared) && declared <= max_bytes) {
    return new Uint8Array(await request.arrayBuffer());
  }
  let compressedSeen = 0;
  // Count the raw bytes too: a compressed body larger than the cap is refused without inflating it.
  const counted = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, ctl) {
        compressedSeen += chunk.length;
        if (compressedSeen > max_bytes) {
          ctl.error(new BodyTooLargeError(`the request body exceeds ${max_bytes} bytes`));
          return;
        }
        ctl.enqueue(chunk);
      },
    }),
  );
  const stream = gzip
    ? counted.pipeThrough(
      new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>,
    )
    : counted;
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  try {
    while (true) {
      const { value, done } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > max_bytes) {
        throw new BodyTooLargeError(
          `the request body exceeds ${max_bytes} bytes${gzip ? " after decompression" : ""}`,
        );
      }
      chunks.push(value);
    }
  } catch (e) {
    await reader.cancel().catch(() => {});
    if (e instanceof BodyTooLargeError) throw e;
    if (gzip) throw new BodyEncodingError(`the gzip body could not be decompressed: ${(e as Error).message}`);
    throw e;
  } finally {
    reader.releaseLock();
  }
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
