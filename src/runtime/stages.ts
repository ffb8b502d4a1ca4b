/**
 * The processing stages, in data-flow order, registered explicitly (no import side effects).
 * Each stage starts against the shared bus and returns a handle whose close() drains it.
 */
import type { Bus } from "../bus/connection.ts";
import type { VigilConfig } from "../config/schema.ts";

export interface StageContext {
  readonly config: VigilConfig;
  readonly bus: Bus;
  readonly nats_url: string;
  readonly log: (line: string) => void;
}

export interface StageHandle {
  /** Drains and stops. Safe twice. */
  close(): Promise<void>;
  /** Health counters (received, sent, dropped, errors...). */
  counters?(): Record<string, number | Record<string, number>>;
}

export interface Stage {
  readonly name: string;
  start(ctx: StageContext): Promise<StageHandle>;
}

export const STAGES: readonly Stage[] = [];
