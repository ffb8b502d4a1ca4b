/**
 * Stream-mode evaluation end to end, on one real RCD Sock Shop case (skipped without shared data):
 * - as a user runs it (`deno task eval --mode stream --json`, an embedded Vigil with a real nats-server),
 *   checking the printed JSON and that nothing is left behind (no nats-server, no temporary store);
 * - against a running Vigil (startTestVigil: real nats-server, receiver, stages) through its OTLP/HTTP
 *   endpoint, checking that the replay reached FEATURES under its own tenant.
 */
import { deepStrictEqual, ok, strictEqual } from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadRcdSockshopCase } from "../../src/replay/rcd_sockshop.ts";
import { sharedDataExists, sharedDataPath } from "../../src/replay/shared_data.ts";
import type { RcaDataset } from "../../src/replay/dataset.ts";
import { evaluateStream } from "../../src/eval/stream_eval.ts";
import { startTestVigil } from "../helpers/vigil.ts";

const present = sharedDataExists("rca", "rcd-sockshop", "carts-cpu", "1");
const REQUIRED = [
  "dataset",
  "mode",
  "cases",
  "ac_at_1",
  "ac_at_3",
  "ac_at_5",
  "avg_at_5",
  "indicator_ac_at_1",
  "fault_type_accuracy",
  "detection_delay_windows_median",
  "false_incidents_per_service_day",
  "nab_standard",
  "nab_reward_low_fp",
  "nab_reward_low_fn",
];

/** Figures every stream summary must satisfy, whatever the detectors find. */
function checkSummary(r: Record<string, unknown>, cases: number): void {
  for (const k of REQUIRED) ok(k in r, `missing ${k}`);
  strictEqual(r.mode, "stream");
  strictEqual(r.cases, cases);
  strictEqual(r.nab_standard, null);
  for (const k of ["ac_at_1", "ac_at_3", "ac_at_5", "avg_at_5"]) {
    const v = r[k] as number;
    ok(typeof v === "number" && v >= 0 && v <= 1, `${k} = ${v}`);
  }
  ok((r.ac_at_1 as number) <= (r.ac_at_3 as number) && (r.ac_at_3 as number) <= (r.ac_at_5 as number));
  strictEqual((r.detected as number) + (r.missed as number), cases);
  const delay = r.detection_delay_windows_median;
  ok(
    r.detected === 0 ? delay === null : Number.isInteger(delay) && (delay as number) >= -1,
    `delay ${delay} is whole windows, at most one before the fault (detected ${r.detected})`,
  );
  const fpd = r.false_incidents_per_service_day as number;
  ok(typeof fpd === "number" && fpd >= 0, `false incidents per service-day ${fpd}`);
  ok((r.warmup_service_days as number) > 0);
  const perCase = r.per_case as { truth: string; rank: number | null; incidents: number }[];
  strictEqual(perCase.length, cases);
  strictEqual(perCase[0].truth, "carts");
  ok((r.incidents as number) >= perCase.reduce((n, c) => n + c.incidents, 0));
  const replay = r.replay as { requests: Record<string, number>; event_span_ms: number };
  ok(replay.requests.metrics > 500, `metrics requests ${replay.requests.metrics}`); // one per 1 s row
  ok(replay.event_span_ms > 8 * 60_000, `event span ${replay.event_span_ms}`);
}

/** Live processes whose command line mentions `needle` (Linux /proc). */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      if (Deno.readTextFileSync(`/proc/${e.name}/cmdline`).includes(needle)) pids.push(Number(e.name));
    } catch { /* gone */ }
  }
  return pids;
}

Deno.test({
  name: "deno task eval --mode stream runs an embedded Vigil on one RCD case and leaves nothing behind",
  ignore: !present,
  fn: async () => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        "src/eval/eval_cli.ts",
        "--dataset",
        "rcd-sockshop",
        "--mode",
        "stream",
        "--cases",
        "1",
        "--per-case",
        "--json",
        "--verbose",
      ],
      cwd: new URL("../..", import.meta.url),
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    strictEqual(out.code, 0, stderr);
    const r = JSON.parse(new TextDecoder().decode(out.stdout));
    checkSummary(r, 1);
    strictEqual(r.dataset, "rcd-sockshop");
    strictEqual(r.target, "embedded");
    strictEqual(r.window_ms, 10_000);
    const store = /store (\/\S+vigil-eval-[0-9a-f]+)\)/.exec(stderr)?.[1];
    ok(store, `the status names the temporary store: ${stderr.slice(0, 400)}`);
    ok(!existsSync(store), `temporary store ${store} removed`);
    deepStrictEqual(processesMentioning(store), [], "no nats-server left running on the store");
  },
});

Deno.test({
  name: "evaluateStream() replays into a running Vigil over OTLP/HTTP under its own tenant",
  ignore: !present,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    // a short window and idle flush so that the running Vigil's wall-clock flushes come quickly
    const window_ms = 2_000;
    await using t = await startTestVigil({ features: { window_ms, idle_flush_ms: 300 } });
    const dir = join(sharedDataPath("rca", "rcd-sockshop"), "carts-cpu", "1");
    const c = await loadRcdSockshopCase(dir, { service: "carts", fault: "cpu", id: "carts-cpu/1" });
    const dataset: RcaDataset = {
      kind: "rca",
      name: "rcd-slice",
      size: 1,
      async *cases() {
        yield c;
      },
    };
    const r = await evaluateStream(dataset, {
      endpoint: t.otlp_url,
      nats_url: t.vigil.nats_url,
      window_ms,
      tenant: "eval-test",
      drain_ms: 3 * window_ms + 1_500,
    });
    checkSummary(r as unknown as Record<string, unknown>, 1);
    strictEqual(r.tenant, "eval-test");
    strictEqual(r.target, t.otlp_url);
    const features = await t.streamMessages("FEATURES");
    const tenants = new Set(features.map((m) => JSON.parse(new TextDecoder().decode(m.data)).tenant));
    deepStrictEqual([...tenants], ["eval-test"]);
    // every window of the case reached FEATURES (13 services, one record per window each)
    const windows = new Set(
      features.map((m) => JSON.parse(new TextDecoder().decode(m.data)).window_start_ms),
    );
    ok(windows.size >= Math.floor(r.replay.event_span_ms / window_ms) - 1, `${windows.size} windows`);
  },
});
