/**
 * Turns per-window detections into incidents: one incident per fault, not one per symptom.
 *
 * Each window, the services flagged anomalous are grouped by time and graph connectivity: a service
 * connected (within `hops`, either direction) to an open incident's services joins it as a symptom;
 * the rest form new groups, one per connected component (all together when there is no graph). A new
 * group is localized (the top candidate is the root cause; the others are suppressed as symptoms),
 * classified, and given a deterministic id (tenant + root service + onset bucket). While open, an incident
 * is re-localized for `relocalize_windows` windows as evidence grows (the id does not change), and it is
 * resolved once none of its services has been anomalous for `recovery_windows` consecutive windows.
 *
 * Pure logic: no clock (window times are the clock), no I/O. The caller publishes the returned records.
 */
import type { LocalizeInput, Localizer, RootCauseCandidate } from "../core/rca.ts";
import type { DetectionResult } from "../detect/detector.ts";
import { type Classification, classifyFault } from "../classify/fault_classifier.ts";
import { blastRadius, connected, graphServices } from "./blast_radius.ts";
import { incidentId } from "./incident_id.ts";
import type { IncidentRecord } from "./incident_record.ts";
import { priorityOf, renderReport, severityOf } from "./incident_report.ts";

/** A new anomaly weaker than this share of an open incident whose root is still at fault is its after-effect. */
const AFTER_EFFECT_RATIO = 0.5;
/**
 * A new anomaly this many times stronger than everything an open incident shows in the same window is not
 * its symptom (a fading incident does not cause a fresh, much stronger change): it is grouped and localized
 * on its own, and joins the incident only if that diagnosis names the incident's root, or, while the
 * incident is still being re-localized, one of its members (a young incident's strongest sign may come late).
 */
const DOMINANT_RATIO = 4;

export interface IncidentTrackerOptions {
  tenant: string;
  localizer: Localizer;
  /** Hops within which an anomalous service joins an open incident. @default 2 */
  hops?: number;
  /** Quiet windows before an incident resolves. @default 3 */
  recovery_windows?: number;
  /** Windows after the onset during which the incident is re-localized. @default 3 */
  relocalize_windows?: number;
  /** Onset bucket for the deterministic id. @default 60000 */
  id_bucket_ms?: number;
  /** User-facing entry services (frontends); their involvement raises severity. @default [] */
  entry_services?: readonly string[];
  /**
   * Consecutive anomalous windows a service needs before it opens a new incident (1 opens at once). Joining
   * an open incident needs no persistence. The onset is the first window of the run. @default 2
   */
  open_after_windows?: number;
  /**
   * Windows after an incident opens during which other anomalous services join it as symptoms; later, only
   * its members' anomalies count for it, and an anomaly elsewhere is left to open an incident of its own.
   * Grouping is by time and connectivity, and an incident open for long is not "the same time": without
   * this bound, one that stays open (noise on its members keeps resetting its quiet count) absorbs every
   * later fault as a symptom, the more so without a graph, where every service counts as connected.
   * @default 8 (open_after_windows + relocalize_windows + recovery_windows at their defaults)
   */
  join_windows?: number;
  /** Root causes kept in the record. @default 5 */
  top_k?: number;
  classify?: (input: LocalizeInput, top: RootCauseCandidate) => Classification;
}

interface Open {
  record: IncidentRecord;
  members: Set<string>;
  quiet: number;
  windows: number;
  strength: number;
  /** The last window in which other services could join it (see `join_windows`). */
  join_until_ms: number;
}

export class IncidentTracker {
  readonly #open: Open[] = [];
  readonly #o: Required<Omit<IncidentTrackerOptions, "classify">> & Pick<IncidentTrackerOptions, "classify">;

  constructor(options: IncidentTrackerOptions) {
    this.#o = {
      hops: 2,
      recovery_windows: 3,
      relocalize_windows: 3,
      id_bucket_ms: 60_000,
      entry_services: [],
      top_k: 5,
      open_after_windows: 2,
      join_windows: 8,
      ...options,
    };
    const n = this.#o.open_after_windows;
    if (!(Number.isInteger(n) && n >= 1)) {
      throw new RangeError(
        `Cannot create IncidentTracker as open_after_windows must be an integer >= 1: current value is ${n}`,
      );
    }
  }

  /** Members of the other groups opened in the same window, while one is localized. */
  #others = new Set<string>();
  /** service → [first window of its current anomalous run, windows in the run] */
  readonly #runs = new Map<string, [number, number]>();

  /** Open incidents (copies of their latest records). */
  get open(): IncidentRecord[] {
    return this.#open.map((o) => o.record);
  }

  /**
   * Feeds one window: every service's detection at `time_ms`, and the context to localize with (the
   * frame up to and including this window, the graph, spans and logs). Returns the records created,
   * updated or resolved at this window (each with a higher `revision` than the last one published).
   */
  step(
    time_ms: number,
    detections: readonly DetectionResult[],
    context: Omit<LocalizeInput, "anomaly_start_ms">,
  ): IncidentRecord[] {
    // a graph without edges (metric-only data) says nothing about connectivity: group as with no graph
    const graph = context.graph && context.graph.edges.length > 0 ? context.graph : undefined;
    // A service the graph does not hold (a broker between a producer and its consumers, a component
    // without spans) is grouped as without a graph: the graph says nothing about its connectivity.
    const known = graph ? graphServices(graph) : undefined;
    const linked = (a: string, b: string) =>
      !graph || !known!.has(a) || !known!.has(b) || connected(graph, a, b, this.#o.hops);
    const anomalous = detections.filter((d) => d.anomalous);
    for (const d of detections) if (!d.anomalous) this.#runs.delete(d.service);
    for (const d of anomalous) {
      const r = this.#runs.get(d.service);
      this.#runs.set(d.service, r ? [r[0], r[1] + 1] : [time_ms, 1]);
    }
    for (const o of this.#open) if (o.windows < this.#o.join_windows) o.join_until_ms = time_ms;
    const strength = new Map(anomalous.map((d) => [d.service, d.severity]));
    const changed = new Set<Open>();
    const unassigned: string[] = [];
    const activity = (o: Open) => Math.max(0, ...[...o.members].map((m) => strength.get(m) ?? 0));
    for (const d of anomalous) {
      const inc = this.#open.find((o) =>
        this.#continues(o, d.service) ||
        (o.windows < this.#o.join_windows &&
          d.severity <= DOMINANT_RATIO * (activity(o) || o.strength) &&
          [...o.members].some((m) => linked(m, d.service)))
      );
      if (inc) {
        if (!inc.members.has(d.service)) changed.add(inc);
        inc.members.add(d.service);
        inc.strength = Math.max(inc.strength, d.severity);
      } else unassigned.push(d.service);
    }
    // New groups: connected components among the unassigned (one group without a graph).
    const groups: string[][] = [];
    for (const s of unassigned.sort()) {
      const g = groups.find((gr) => gr.some((m) => linked(m, s)));
      if (g) g.push(s);
      else groups.push([s]);
    }
    for (const g of groups) {
      this.#others = new Set(groups.filter((x) => x !== g).flat());
      // persistence: a group opens once one of its services has been anomalous long enough
      const persistent = g.filter((s) => (this.#runs.get(s)?.[1] ?? 0) >= this.#o.open_after_windows);
      if (persistent.length === 0) continue;
      const onset = Math.min(...persistent.map((s) => this.#runs.get(s)![0]));
      const strongest = Math.max(...g.map((s) => strength.get(s) ?? 0));
      // An after-effect: while an open incident's root is still at fault, a much weaker anomaly linked to
      // it (or anywhere, without a graph) is its late symptom, not a new incident — unless it dwarfs what
      // the incident shows now.
      const cause = this.#open.find((x) => {
        const root = x.record.root_causes[0]?.service;
        return root !== undefined && strength.has(root) && this.#continues(x, root) &&
          strongest < AFTER_EFFECT_RATIO * x.strength && strongest <= DOMINANT_RATIO * activity(x) &&
          g.some((s) => [...x.members].some((m) => linked(m, s)));
      });
      if (cause) {
        if (g.some((m) => !cause.members.has(m))) changed.add(cause);
        for (const m of g) cause.members.add(m);
        continue;
      }
      let o = this.#create(time_ms, onset, g, strongest, context);
      // The incident dates from its root cause's run, not from a noisy neighbour's earlier one (which would
      // also hand the localizer a baseline that holds the fault): re-localized from there, it keeps the
      // later onset if the diagnosis stands.
      const root = o.record.root_causes[0]?.service;
      const rootRun = root !== undefined && g.includes(root) ? this.#runs.get(root) : undefined;
      if (rootRun && rootRun[0] > onset) {
        const later = this.#create(time_ms, rootRun[0], g, strongest, context);
        if (later.record.root_causes[0]?.service === root) o = later;
      }
      // The same incident (same root and onset bucket), or a late symptom of an open one: its diagnosis
      // names that incident's root cause. (Not any member: on noisy data an old incident holds many
      // services, and a new fault's diagnosis often names one of them — measured on Nezha: 25 → 17 of
      // 56 faults detected.)
      const top = o.record.root_causes[0]?.service;
      // (Or a dominant newcomer whose diagnosis names a member of an incident still being re-localized:
      // the same fault, its strongest sign arriving late; the incident takes it into its diagnosis.)
      const dup = this.#open.find((x) => x.record.id === o.record.id) ??
        (top === undefined
          ? undefined
          : this.#open.find((x) =>
            !changed.has(x) && x.record.root_causes[0]?.service === top &&
            (x.windows < this.#o.join_windows || this.#continues(x, top))
          ) ?? this.#open.find((x) => this.#settling(x) && x.members.has(top)));
      if (dup) {
        for (const m of g) dup.members.add(m);
        changed.add(dup);
      } else {
        this.#open.push(o);
        changed.add(o);
      }
    }
    // Quiet counting, re-localization and resolution.
    const out: IncidentRecord[] = [];
    for (const o of [...this.#open]) {
      o.windows++;
      // Its root cause anomalous, or a member anomalous for open_after_windows in a row, keeps an incident
      // open; a member's one-window blip does not (with many members, noise alone makes one almost every
      // window, and the incident would never resolve, absorbing the next faults as its symptoms).
      const root = o.record.root_causes[0]?.service;
      const active = [...o.members].some((m) =>
        strength.has(m) && this.#continues(o, m) &&
        (m === root || (this.#runs.get(m)?.[1] ?? 0) >= this.#o.open_after_windows)
      );
      o.quiet = active ? 0 : o.quiet + 1;
      if (o.quiet >= this.#o.recovery_windows) {
        o.record = this.#finish({
          ...o.record,
          status: "resolved",
          resolved_ms: time_ms,
          updated_ms: time_ms,
          revision: o.record.revision + 1,
        });
        this.#open.splice(this.#open.indexOf(o), 1);
        out.push(o.record);
        changed.delete(o);
        continue;
      }
      if (o.windows > 1 && this.#settling(o) && active) changed.add(o);
      if (changed.has(o)) {
        this.#others = new Set();
        if (!this.#settling(o)) {
          // Past the re-localization period the diagnosis stands: services joining late are after-effects
          // (and the onset baseline has scrolled out of the graph's look-back), so only membership changes.
          const top = o.record.root_causes[0]?.service;
          o.record = this.#finish({
            ...o.record,
            updated_ms: time_ms,
            revision: o.record.revision + 1,
            anomalous_services: [...o.members].sort(),
            suppressed_symptoms: [...o.members].filter((m) => m !== top).sort(),
          });
        } else o.record = this.#build(o, time_ms, context, o.record.revision + (o.windows > 1 ? 1 : 0));
        out.push(o.record);
      }
    }
    return out;
  }

  /**
   * Whether an anomaly of `service` belongs to incident `o` as one of its members (the root cause included):
   * only while the anomalous run it joined with goes on. A run that started after the join period is a new
   * event on that service: on noisy data an old incident gathers many members, and their later faults must
   * not be absorbed as its symptoms; nor is a new fault of its root, once the root had recovered, the old
   * incident (whose lingering after-effects would otherwise keep it open and swallow the next fault).
   */
  #continues(o: Open, service: string): boolean {
    if (!o.members.has(service)) return false;
    const run = this.#runs.get(service);
    return run !== undefined && run[0] <= o.join_until_ms;
  }

  /** Whether an incident is still being re-localized (its diagnosis not yet settled). */
  #settling(o: Open): boolean {
    return o.windows <= this.#o.relocalize_windows + 1;
  }

  /**
   * Services that another open incident, past its re-localization, holds as continuing symptoms (members
   * other than its root whose anomalous run it joined with goes on).
   */
  #explained(o: Open): Set<string> {
    const out = new Set<string>();
    for (const x of this.#open) {
      if (x === o || this.#settling(x)) continue;
      const root = x.record.root_causes[0]?.service;
      for (const m of x.members) if (m !== root && this.#continues(x, m)) out.add(m);
    }
    return out;
  }

  #create(
    time_ms: number,
    onset_ms: number,
    members: string[],
    strength: number,
    context: Omit<LocalizeInput, "anomaly_start_ms">,
  ): Open {
    const o: Open = {
      record: undefined as unknown as IncidentRecord,
      members: new Set(members),
      quiet: 0,
      windows: 0,
      strength,
      join_until_ms: time_ms,
    };
    o.record = this.#build(o, time_ms, context, 1, onset_ms);
    return o;
  }

  #build(
    o: Open,
    time_ms: number,
    context: Omit<LocalizeInput, "anomaly_start_ms">,
    revision: number,
    onset?: number,
  ): IncidentRecord {
    const onset_ms = onset ?? o.record.onset_ms;
    // A symptom that an older incident, its diagnosis settled, still explains (a level shift its fault
    // left behind) was anomalous before this onset: its change is that incident's, and it explains
    // nothing of this one (LocalizeInput.standing).
    const explained = this.#explained(o);
    const input: LocalizeInput = { ...context, anomaly_start_ms: onset_ms, standing: explained };
    let ranked: RootCauseCandidate[] = [];
    try {
      ranked = this.#o.localizer.localize(input);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
    }
    // The localizer's order: it sees every service, while the members are only those the detector has
    // flagged so far (a root whose change builds up over two windows may not be among them yet).
    // Services of another group opened in the same window belong to it, not to this one, and the
    // standing symptoms of older incidents are theirs.
    const ordered = ranked.filter((c) =>
      o.members.has(c.service) || (!this.#others.has(c.service) && !explained.has(c.service))
    ).slice(0, this.#o.top_k);
    const top = ordered[0] ??
      { service: [...o.members].sort()[0], score: 0, evidence: ["no localizer candidate"] };
    // a localizer that types the fault from its own evidence is trusted first (RootCauseCandidate)
    const cls: Classification = top.fault_type
      ? {
        fault_type: top.fault_type,
        confidence: 1,
        evidence: [`typed by the localizer: ${top.evidence[0] ?? ""}`],
      }
      : (this.#o.classify ?? classifyFault)(input, top);
    const radius = blastRadius(context.graph, top.service);
    const entry = this.#o.entry_services.some((e) => radius.services.includes(e) || o.members.has(e));
    const severity = severityOf({
      strength: o.strength,
      affected_services: radius.services.length - 1,
      entry_affected: entry,
    });
    const id = o.record?.id ??
      incidentId(this.#o.tenant, top.service, { onset_ms, bucket_ms: this.#o.id_bucket_ms });
    return this.#finish({
      schema_version: 1,
      id,
      tenant: this.#o.tenant,
      status: "open",
      severity,
      priority: priorityOf(severity),
      onset_ms,
      updated_ms: time_ms,
      revision,
      root_causes: ordered.map((c) => ({
        service: c.service,
        // the root's indicator agrees with its fault type (a memory fault that also raised CPU names memory)
        ...(c === top && cls.indicator
          ? { indicator: cls.indicator }
          : c.indicator
          ? { indicator: c.indicator }
          : {}),
        score: c.score,
        evidence: [...c.evidence],
      })),
      fault_type: cls.fault_type,
      fault_confidence: cls.confidence,
      fault_evidence: [...cls.evidence],
      anomalous_services: [...o.members].sort(),
      suppressed_symptoms: [...o.members].filter((m) => m !== top.service).sort(),
      blast_radius: radius,
      report: { title: "", what_happened: "", impact: "", priority: "", recommended_actions: [] },
    });
  }

  #finish(r: IncidentRecord): IncidentRecord {
    const { report: _, ...rest } = r;
    return { ...r, report: renderReport(rest) };
  }
}
