/**
 * The processing stages, in data-flow order, registered explicitly (no import side effects).
 * Each stage starts against the shared bus and returns a handle whose close() drains it.
 */
import type { Bus } from "../bus/connection.ts";
import type { VigilConfig } from "../config/schema.ts";
import { type FeatureEngine, startFeatureEngine } from "../features/engine.ts";
import type { IncidentRecord } from "../incident/incident_record.ts";
import { startIncidentStage } from "../incident/incident_stage.ts";
import { incidentEngineOptions } from "../incident/incident_engine.ts";

export interface StageContext {
  readonly config: VigilConfig;
  readonly bus: Bus;
  readonly nats_url: string;
  readonly log: (line: string) => void;
  /** Handles of the stages started before this one, by name. */
  readonly started: ReadonlyMap<string, StageHandle>;
}

export interface StageHandle {
  /** Drains and stops. Safe twice. */
  close(): Promise<void>;
  /** Health counters (received, sent, dropped, errors...). */
  counters?(): Record<string, unknown>;
}

export interface Stage {
  readonly name: string;
  enabled(config: VigilConfig): boolean;
  start(ctx: StageContext): Promise<StageHandle>;
}

export interface FeaturesStageHandle extends StageHandle {
  readonly engine: FeatureEngine;
}

export interface IncidentsStageHandle extends StageHandle {
  incidents(): IncidentRecord[];
  flush(): Promise<void>;
}

const features: Stage = {
  name: "features",
  enabled: (c) => c.features.enabled,
  async start({ config, nats_url }): Promise<FeaturesStageHandle> {
    const f = config.features;
    const engine = await startFeatureEngine({
      nats_url,
      workers: f.workers,
      window_ms: f.window_ms,
      max_out_of_order_ms: f.max_out_of_order_ms,
      allowed_lateness_ms: f.allowed_lateness_ms,
      max_operations: f.max_operations,
      idle_flush_ms: f.idle_flush_ms,
      max_operations_held: f.max_operations_held ?? undefined,
      max_metric_series: f.max_metric_series,
      max_metric_series_held: f.max_metric_series_held ?? undefined,
      max_templates: f.max_templates,
      series_ttl_ms: f.series_ttl_ms,
      max_log_clusters: f.max_log_clusters,
      log_similarity: f.log_similarity,
      log_cluster_ttl_ms: f.log_cluster_ttl_ms,
      persist_state: f.persist_state,
      ensure_streams: false,
    });
    return {
      engine,
      close: () => engine.close(),
      counters: () => engine.counters() as unknown as Record<string, unknown>,
    };
  },
};

const incidents: Stage = {
  name: "incidents",
  enabled: (c) => c.incidents.enabled,
  async start({ config, bus, log, started }): Promise<IncidentsStageHandle> {
    const i = config.incidents;
    const engine = (started.get("features") as FeaturesStageHandle | undefined)?.engine;
    const stage = await startIncidentStage(bus, {
      ...incidentEngineOptions(config),
      replay_history_ms: i.replay_history_ms,
      report_llm: i.report_llm,
      graph: engine?.graph
        ? (t, tenant) => engine.graph!.asOf(t, { tenant, lookback_ms: 30 * config.features.window_ms })
        : undefined,
      log,
    });
    return {
      close: () => stage.close(),
      counters: () => ({ ...stage.counters() }),
      incidents: () => stage.incidents(),
      flush: () => stage.flush(),
    };
  },
};

export const STAGES: readonly Stage[] = [features, incidents];
