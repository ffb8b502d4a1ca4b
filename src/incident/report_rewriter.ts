/**
 * Optional LLM rewrites of incident reports, off the incident path: an incident record is published at
 * once with its templated report; the rewrite is asked for in the background and, when it arrives, goes
 * out as the incident's next revision with `report_rewrite` set beside the templated report (the
 * structured fields are never touched). Later revisions carry it forward while the diagnosis (top root
 * cause service and indicator, fault type) stays the same; a new diagnosis drops it, aborts a request still
 * in flight for the old one, and asks again. So the endpoint is asked once per diagnosis, not per revision.
 *
 * Failures (see ReportLlmError) leave the templated report, are counted, and are logged once per reason;
 * a diagnosis whose rewrite failed is not asked again. With `max_in_flight` requests already out, a new
 * diagnosis waits for its incident's next revision (counted as skipped).
 *
 * Revisions: a rewrite revision is one more revision of the incident, so every later record of the tracker
 * is shifted by the rewrites published before it (`track()`); revisions stay unique and increasing per
 * incident, which is what deduplication (`Nats-Msg-Id` tenant/id/revision) and consumers rely on.
 *
 * Not thread-safe by design: the stage calls `track()` and `takeReady()` from its one serial queue, and
 * `on_ready` only tells it to do so.
 */
import type { IncidentRecord } from "./incident_record.ts";
import { ReportLlmError, type ReportLlmOptions, type ReportRewrite, rewriteReport } from "./report_llm.ts";

export interface ReportRewriterOptions extends Omit<ReportLlmOptions, "signal"> {
  /** Called when rewrites are ready to publish: the owner calls `takeReady()` (from its serial queue). */
  on_ready: () => void;
  log?: (line: string) => void;
  /** Requests out at once. @default 4 */
  max_in_flight?: number;
  /** Incidents remembered (least recently updated forgotten first). @default 1024 */
  max_incidents?: number;
}

export interface ReportRewriterCounters {
  report_rewrites_requested: number;
  report_rewrites_published: number;
  report_rewrite_failures: number;
  /** New diagnoses not asked for because `max_in_flight` requests were out. */
  report_rewrites_skipped: number;
}

interface Entry {
  /** The incident's last record handed out (published or about to be). */
  latest: IncidentRecord;
  /** Rewrite revisions handed out so far: the tracker's revision + shift = the published revision. */
  shift: number;
  /** Diagnosis asked for (or rewritten); undefined when none was asked yet. */
  diagnosis?: string;
  rewrite?: ReportRewrite;
  inflight?: AbortController;
}

export class ReportRewriter {
  readonly #o: ReportRewriterOptions & { max_in_flight: number; max_incidents: number };
  readonly #entries = new Map<string, Entry>();
  readonly #ready = new Set<string>();
  readonly #pending = new Set<Promise<void>>();
  readonly #logged = new Set<string>();
  readonly #counters: ReportRewriterCounters = {
    report_rewrites_requested: 0,
    report_rewrites_published: 0,
    report_rewrite_failures: 0,
    report_rewrites_skipped: 0,
  };
  #inflight = 0;
  #closed = false;

  constructor(options: ReportRewriterOptions) {
    this.#o = { max_in_flight: 4, max_incidents: 1024, ...options };
    for (const k of ["max_in_flight", "max_incidents"] as const) {
      const n = this.#o[k];
      if (!(Number.isInteger(n) && n >= 1)) {
        throw new RangeError(
          `Cannot create ReportRewriter as ${k} must be an integer >= 1: current value is ${n}`,
        );
      }
    }
  }

  counters(): ReportRewriterCounters {
    return { ...this.#counters };
  }

  /**
   * Takes a record from the tracker before it is published: returns it with its revision shifted past the
   * rewrite revisions already out, and with the rewrite of its diagnosis when there is one. Starts a
   * rewrite in the background when the diagnosis is new and `rewrite` is on (off for records replayed on
   * start: their incidents were reported before); never waits for it.
   */
  track(record: IncidentRecord, options: { rewrite?: boolean } = {}): IncidentRecord {
    const key = `${record.tenant}.${record.id}`;
    const known = this.#entries.get(key);
    const e: Entry = known ?? { latest: record, shift: 0 };
    const revision = known
      ? Math.max(record.revision + known.shift, known.latest.revision + 1)
      : record.revision;
    e.shift = revision - record.revision;
    const d = diagnosisOf(record);
    let out: IncidentRecord = { ...record, revision };
    if (e.diagnosis === d) {
      if (e.rewrite) out = { ...out, report_rewrite: e.rewrite };
    } else {
      e.inflight?.abort();
      e.rewrite = undefined;
      this.#ready.delete(key);
      if (this.#closed || options.rewrite === false) e.diagnosis = undefined;
      else if (this.#inflight >= this.#o.max_in_flight) {
        e.diagnosis = undefined;
        this.#counters.report_rewrites_skipped++;
      } else {
        e.diagnosis = d;
        this.#request(key, e, out, d);
      }
    }
    e.latest = out;
    this.#entries.delete(key); // most recently updated last
    this.#entries.set(key, e);
    if (this.#entries.size > this.#o.max_incidents) {
      const [oldest, old] = this.#entries.entries().next().value!;
      old.inflight?.abort();
      this.#entries.delete(oldest);
      this.#ready.delete(oldest);
    }
    return out;
  }

  /**
   * The revisions carrying the rewrites that arrived since the last call (each one more revision of its
   * incident's latest record), to publish in order.
   */
  takeReady(): IncidentRecord[] {
    const out: IncidentRecord[] = [];
    for (const key of this.#ready) {
      const e = this.#entries.get(key);
      // nothing to publish when the diagnosis moved on, or a tracker record already carried the rewrite
      if (!e?.rewrite || diagnosisOf(e.latest) !== e.diagnosis || e.latest.report_rewrite === e.rewrite) {
        continue;
      }
      e.latest = { ...e.latest, revision: e.latest.revision + 1, report_rewrite: e.rewrite };
      e.shift++;
      out.push(e.latest);
    }
    this.#ready.clear();
    this.#counters.report_rewrites_published += out.length;
    return out;
  }

  /** Aborts the requests in flight and waits for them to settle; safe twice. No rewrite is asked after. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const e of this.#entries.values()) e.inflight?.abort();
    await Promise.all(this.#pending);
  }

  #request(key: string, e: Entry, record: IncidentRecord, diagnosis: string): void {
    const abort = new AbortController();
    e.inflight = abort;
    this.#inflight++;
    this.#counters.report_rewrites_requested++;
    const { url, model, api_key, timeout_ms, max_tokens } = this.#o;
    const llm = { url, model, api_key, timeout_ms, max_tokens, signal: abort.signal };
    const done = rewriteReport(record, llm).then(
      (rewrite) => {
        if (e.diagnosis !== diagnosis || this.#entries.get(key) !== e) return; // superseded meanwhile
        e.rewrite = rewrite;
        this.#ready.add(key);
        this.#o.on_ready();
      },
      (err: unknown) => {
        const reason = err instanceof ReportLlmError ? err.reason : "error";
        if (reason === "aborted") return; // superseded or shutting down: not the endpoint's failure
        this.#counters.report_rewrite_failures++;
        if (this.#logged.has(reason)) return;
        this.#logged.add(reason);
        this.#o.log?.(
          `vigil: incident report rewrite failed (${reason}): ${(err as Error).message}; incidents keep ` +
            `their templated report (further ${reason} failures are counted, not logged)`,
        );
      },
    ).finally(() => {
      this.#inflight--;
      if (e.inflight === abort) e.inflight = undefined;
      this.#pending.delete(done);
    });
    this.#pending.add(done);
  }
}

/** `incidents.report_llm` of the configuration (src/config/schema.ts). */
export interface ReportLlmConfig {
  enabled: boolean;
  url: string;
  model: string;
  /** Environment variable holding the API key; "" for none. */
  api_key_env: string;
  timeout_ms: number;
  max_tokens: number;
}

/**
 * The rewriter `config` asks for, or undefined when it is off. Logs the effective setting once (never the
 * key); when `api_key_env` names a variable that is not set, says so and stays off (the rewrite is never
 * required, so this does not stop the stage).
 */
export function createReportRewriter(
  config: ReportLlmConfig | undefined,
  options: Pick<ReportRewriterOptions, "on_ready" | "log" | "max_in_flight" | "max_incidents"> & {
    /** @default Deno.env.toObject() */
    env?: Record<string, string>;
  },
): ReportRewriter | undefined {
  if (!config?.enabled) return undefined;
  const log = options.log ?? (() => {});
  let api_key: string | undefined;
  if (config.api_key_env) {
    api_key = (options.env ?? Deno.env.toObject())[config.api_key_env];
    if (!api_key) {
      log(
        `vigil: incident report rewrite off: incidents.report_llm.api_key_env names ${config.api_key_env}, ` +
          "which is not set (incidents keep their templated report)",
      );
      return undefined;
    }
  }
  log(
    `vigil: incident reports rewritten by ${config.model} at ${config.url} ` +
      `(timeout ${config.timeout_ms} ms, max ${config.max_tokens} tokens${
        api_key ? ", with an API key" : ""
      })`,
  );
  const { env: _, ...rest } = options;
  return new ReportRewriter({
    ...rest,
    url: config.url,
    model: config.model,
    api_key,
    timeout_ms: config.timeout_ms,
    max_tokens: config.max_tokens,
  });
}

/** What a rewrite describes: the top root cause (service and indicator) and the fault type. */
function diagnosisOf(r: IncidentRecord): string {
  const top = r.root_causes[0];
  return JSON.stringify([top?.service ?? "", top?.indicator ?? "", r.fault_type ?? ""]);
}
