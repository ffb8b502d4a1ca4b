import { ok, strictEqual } from "node:assert/strict";
import { sharedDataExists } from "../../src/replay/shared_data.ts";

const present = sharedDataExists("rca", "rcd-sockshop", "carts-cpu", "1");
const nabPresent = sharedDataExists("ad", "nab", "labels", "combined_windows.json");

async function evalJson(args: string[]): Promise<Record<string, unknown>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/eval/eval_cli.ts", ...args, "--json"],
    cwd: new URL("../..", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  strictEqual(out.code, 0, new TextDecoder().decode(out.stderr));
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

Deno.test({
  name: "deno task eval --json prints one object with every required field, rates in [0, 1]",
  ignore: !present,
  fn: async () => {
    const r = await evalJson(["--dataset", "rcd-sockshop", "--method", "baseline", "--cases", "10"]);
    for (
      const k of [
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
      ]
    ) ok(k in r, `missing ${k}`);
    strictEqual(r.dataset, "rcd-sockshop");
    strictEqual(r.mode, "offline");
    strictEqual(r.cases, 10);
    for (const k of ["ac_at_1", "ac_at_3", "ac_at_5", "avg_at_5", "indicator_ac_at_1"]) {
      const v = r[k] as number;
      ok(v >= 0 && v <= 1, `${k} = ${v}`);
    }
    ok((r.ac_at_1 as number) <= (r.ac_at_3 as number) && (r.ac_at_3 as number) <= (r.ac_at_5 as number));
    strictEqual(r.detection_delay_windows_median, null);
    strictEqual(r.nab_standard, null);
  },
});

Deno.test({
  name: "deno task eval --dataset nab scores the baseline with the NAB scorer",
  ignore: !nabPresent,
  fn: async () => {
    const r = await evalJson(["--dataset", "nab", "--cases", "8"]);
    strictEqual(r.cases, 8);
    ok(typeof r.nab_standard === "number" && (r.nab_standard as number) <= 100);
    strictEqual(r.ac_at_1, null);
  },
});

Deno.test("deno task eval rejects a bad option naming the value", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/eval/eval_cli.ts", "--dataset", "nab", "--cases", "0"],
    cwd: new URL("../..", import.meta.url),
    stdout: "piped",
    stderr: "piped",
  }).output();
  strictEqual(out.code, 2);
  ok(new TextDecoder().decode(out.stderr).includes("current value is 0"));
});
