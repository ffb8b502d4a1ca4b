/**
 * `deno task incidents [--nats nats://127.0.0.1:4222] [--since-m 60] [--report]`: tails Vigil's incidents
 * in the terminal, one line per change (opened, updated, resolved), the full report when one opens
 * (or for every change with --report). Ctrl-C stops.
 */
import { connectBus } from "../src/bus/connection.ts";
import { replayAndFollow } from "../src/bus/ordered.ts";
import { STREAMS } from "../src/bus/subjects.ts";
import { incidentRecordSchema } from "../src/incident/incident_record.ts";
import { formatIncident } from "../src/incident/incident_format.ts";

function arg(name: string): string | undefined {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Deno.args[i + 1] : undefined;
}
const url = arg("nats") ?? Deno.env.get("VIGIL_NATS_URL") ?? "nats://127.0.0.1:4222";
const sinceM = Number(arg("since-m") ?? 60);
const full = Deno.args.includes("--report");

const bus = await connectBus(url, { name: "vigil-incidents-tail", connect_timeout_ms: 5_000 }).catch((e) => {
  console.error(`vigil incidents: ${(e as Error).message}`);
  Deno.exit(1);
});
const abort = new AbortController();
Deno.addSignalListener("SIGINT", () => abort.abort());
console.error(
  `vigil incidents: following ${STREAMS.incidents} on ${url} (last ${sinceM} min), Ctrl-C to stop`,
);
const seen = new Map<string, number>();
await replayAndFollow(bus, (_s, data) => {
  const r = incidentRecordSchema.safeParse(JSON.parse(new TextDecoder().decode(data)));
  if (!r.success) return;
  const rec = r.data;
  if ((seen.get(rec.id) ?? 0) >= rec.revision) return; // redelivered or replayed
  const first = !seen.has(rec.id);
  seen.set(rec.id, rec.revision);
  console.log(formatIncident(rec, { report: full || first }));
}, {
  stream: STREAMS.incidents,
  filter_subjects: ["vigil.incidents.*"],
  start_time_ms: Date.now() - sinceM * 60_000,
  signal: abort.signal,
});
await bus.close();
