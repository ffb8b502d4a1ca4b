/**
 * A NATS KV bucket reduced to what Vigil's stages need (get / put / keys), so that stages do not import
 * NATS. Buckets are declared in nats/streams.json; `openKvBucket` creates the bucket when missing.
 */
import { Kvm } from "@nats-io/kv";
import type { Bus } from "./connection.ts";

export interface KvBucket {
  get(key: string): Promise<Uint8Array | null>;
  put(key: string, value: Uint8Array): Promise<void>;
  keys(filter?: string): Promise<string[]>;
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
  };
}
