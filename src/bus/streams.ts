/**
 * Creates or updates every stream and KV bucket declared in nats/streams.json. Idempotent: running it
 * twice, or on every start, changes nothing that is already right.
 */
import { DiscardPolicy, RetentionPolicy, StorageType, type StreamConfig } from "@nats-io/jetstream";
import { Kvm } from "@nats-io/kv";
import type { Bus } from "./connection.ts";

export interface StreamDecl {
  name: string;
  subjects: string[];
  description?: string;
  storage: "file" | "memory";
  retention: "limits" | "workqueue" | "interest";
  discard: "new" | "old";
  max_bytes: number;
  max_age_ms: number;
  max_msg_size: number;
  duplicate_window_ms: number;
}

export interface KvDecl {
  bucket: string;
  description?: string;
  history: number;
  max_bytes: number;
}

export interface BusDeclarations {
  streams: StreamDecl[];
  kv: KvDecl[];
}

export async function loadDeclarations(): Promise<BusDeclarations> {
  const text = await Deno.readTextFile(new URL("../../nats/streams.json", import.meta.url));
  const { streams, kv } = JSON.parse(text) as BusDeclarations;
  return { streams, kv };
}

export interface EnsureStreamsOptions {
  /** Per stream name: overrides of max_bytes / max_age_ms (from config). */
  overrides?: Record<string, { max_bytes?: number; max_age_ms?: number }>;
  /** Stream replicas (3 on a cluster). @default 1 */
  replicas?: number;
}

const MS = 1_000_000; // nanoseconds per ms

function toConfig(d: StreamDecl, replicas: number): Partial<StreamConfig> & { name: string } {
  return {
    name: d.name,
    subjects: d.subjects,
    description: d.description,
    storage: d.storage === "file" ? StorageType.File : StorageType.Memory,
    retention: d.retention === "limits"
      ? RetentionPolicy.Limits
      : d.retention === "workqueue"
      ? RetentionPolicy.Workqueue
      : RetentionPolicy.Interest,
    discard: d.discard === "new" ? DiscardPolicy.New : DiscardPolicy.Old,
    max_bytes: d.max_bytes,
    max_age: d.max_age_ms * MS,
    max_msg_size: d.max_msg_size,
    duplicate_window: d.duplicate_window_ms * MS,
    num_replicas: replicas,
  };
}

/** Returns the names of streams created and updated. */
export async function ensureStreams(
  bus: Bus,
  options: EnsureStreamsOptions = {},
): Promise<{ created: string[]; updated: string[] }> {
  const decl = await loadDeclarations();
  const jsm = await bus.jsm();
  const created: string[] = [];
  const updated: string[] = [];
  for (const d of decl.streams) {
    const o = options.overrides?.[d.name] ?? {};
    const cfg = toConfig({ ...d, ...o }, options.replicas ?? 1);
    let existing;
    try {
      existing = await jsm.streams.info(d.name);
    } catch {
      existing = undefined;
    }
    if (!existing) {
      await jsm.streams.add(cfg);
      created.push(d.name);
      continue;
    }
    const cur = existing.config;
    const differs = cur.max_bytes !== cfg.max_bytes || cur.max_age !== cfg.max_age ||
      cur.max_msg_size !== cfg.max_msg_size || cur.duplicate_window !== cfg.duplicate_window ||
      cur.discard !== cfg.discard || cur.description !== cfg.description ||
      JSON.stringify(cur.subjects) !== JSON.stringify(cfg.subjects);
    if (differs) {
      // storage and retention cannot change in place; everything else here can
      const { storage: _s, retention: _r, name: _n, ...mutable } = cfg;
      await jsm.streams.update(d.name, mutable);
      updated.push(d.name);
    }
  }
  const kvm = new Kvm(bus.nc);
  for (const k of decl.kv) {
    await kvm.create(k.bucket, {
      description: k.description,
      history: k.history,
      max_bytes: k.max_bytes,
      replicas: options.replicas ?? 1,
    });
  }
  return { created, updated };
}
