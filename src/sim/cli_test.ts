import { assert, assertEquals } from "../../tests/helpers/assert.ts";
import { main } from "./cli.ts";

async function capture(args: string[]): Promise<{ code: number; err: string }> {
  const lines: string[] = [];
  const e = console.error;
  console.error = (...m: unknown[]) => lines.push(m.join(" "));
  try {
    return { code: await main(args), err: lines.join("\n") };
  } finally {
    console.error = e;
  }
}

Deno.test("simulate writes ground truth as JSON Lines and a summary", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const truth = `${dir}/truth.jsonl`;
    const { code, err } = await capture([
      "--topology",
      "sock-shop",
      "--faults",
      "3",
      "--warmup-s",
      "30",
      "--fault-duration-s",
      "30",
      "--gap-s",
      "30",
      "--seed",
      "9",
      "--start",
      "2026-01-01T00:00:00Z",
      "--truth",
      truth,
    ]);
    assertEquals(code, 0, err);
    const rows = (await Deno.readTextFile(truth)).trim().split("\n").map((l) => JSON.parse(l));
    assertEquals(rows.length, 3);
    assertEquals(rows[0].fault_start_ms, Date.UTC(2026, 0, 1) + 30_000);
    for (const r of rows) {
      for (
        const k of [
          "case_id",
          "root_cause_service",
          "root_cause_indicator",
          "fault_type",
          "fault_start_ms",
          "fault_end_ms",
        ]
      ) {
        assert(r[k] !== undefined && r[k] !== null, `${k} missing`);
      }
    }
    assert(err.includes("simulated in") && err.includes("ground truth: 3 case(s)"), err);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("simulate reports user mistakes without a stack trace", async () => {
  const missing = await capture(["--topology", "/nonexistent/topo.yaml"]);
  assertEquals(missing.code, 1);
  assert(missing.err.includes("/nonexistent/topo.yaml") && !missing.err.includes("    at "), missing.err);
  const flag = await capture(["--bogus"]);
  assertEquals(flag.code, 2);
  const kinds = await capture(["--faults", "1", "--kinds", "cpu_hog,meteor"]);
  assertEquals(kinds.code, 2);
  assert(kinds.err.includes("current value is meteor"), kinds.err);
  const speed = await capture(["--speed", "fast"]);
  assertEquals(speed.code, 2);
});
