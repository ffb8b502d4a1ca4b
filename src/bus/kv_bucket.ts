/**
 * A NATS KV bucket reduced to what Vigil's stages need (get / put / keys / history / delete), so that
 * stages do not import NATS. Buckets are declared in nats/streams.json; `openKvBucket` creates the bucket
 * when missing (an existing bucket keeps its settings).
 */
import { Kvm } from "@nats-io/kv";
import type { Bus } from "./connection.ts";

export interface KvBucket {
  /** The latest value, or null when the key is missing or deleted. */
  get(key: string): Promise<Uint8Array | null>;
  /** Resolves once the value is stored (JetStream PubAck). */
  put(key: string, value: Uint8Array): Promise<void>;
  keys(filter?: string): Promise<string[]>;
  /** The revisions of a key the bucket still holds (its `history`), oldest first; a deletion as null. */
  history(key: string): Promise<(Uint8Array | null)[]>;
  /** Deletes a key (a tombstone revision: history keeps the values before it). */
  delete(key: string): Promise<void>;
}

export async function openKvBucket(
  bus: Bus,
  bucket: string,
  options: { history?: number } = {},
): Promise<KvBucket> {
  const kv = await new Kvm(bus.nc).create(bucket, { history: options.history ?? 1 });
  return {
    async get(key) {
      const e = await kv.get(key);
      return e && e.operation === "PUT" ? e.value : null;
    },
    async put(key, value) {
      await kv.put(key, value);
    },
    async keys(filter) {
      const out: string[] = [];
      for await (const k of await kv.keys(filter)) out.push(k);
      return out;
    },
    async history(key) {
      const out: (Uint8Array | null)[] = [];
      for await (const e of await kv.history({ key })) out.push(e.operation === "PUT" ? e.value : null);
      return out;
    },
    async delete(key) {
      await kv.delete(key);
    },
  };
}
