import { assert, assertEquals } from "../../tests/helpers/assert.ts";
import { fourSections, startChatCompletionsServer } from "../../tests/helpers/chat_completions_server.ts";
import { sampleIncident } from "../../tests/helpers/incident_fixture.ts";
import type { IncidentRecord } from "./incident_record.ts";
import { createReportRewriter, ReportRewriter, type ReportRewriterOptions } from "./report_rewriter.ts";

/** A rewriter whose ready rewrites are collected as they come (as the stage's serial queue would). */
function collecting(options: Omit<ReportRewriterOptions, "on_ready">) {
  const published: IncidentRecord[] = [];
  const waiters: (() => void)[] = [];
  const rewriter: ReportRewriter = new ReportRewriter({
    ...options,
    on_ready: () => {
      published.push(...rewriter.takeReady());
      waiters.splice(0).forEach((w) => w());
    },
  });
  return {
    rewriter,
    published,
    /** Resolves once `n` rewrite revisions have come out. */
    async until(n: number) {
      while (published.length < n) await new Promise<void>((r) => waiters.push(r));
    },
  };
}

Deno.test("ReportRewriter publishes the rewrite as the next revision and carries it while the diagnosis holds", async () => {
  await using llm = startChatCompletionsServer({ answer: () => fourSections("carts") });
  const c = collecting({ url: llm.url, model: "m" });
  const r1 = sampleIncident({ revision: 1 });
  const out1 = c.rewriter.track(r1);
  assertEquals(out1, r1, "the incident goes out at once, untouched");
  await c.until(1);
  const rw = c.published[0];
  assertEquals(rw.revision, 2);
  assertEquals(rw.report_rewrite?.model, "test-model-1");
  assertEquals(rw.report_rewrite?.revision, 1);
  assertEquals(rw.report_rewrite?.recommended_actions, ["Profile carts.", "Scale carts out."]);
  const { report_rewrite: _, revision: _r, ...structured } = rw;
  const { revision: _r1, ...before } = r1;
  assertEquals(structured, before, "structured fields and the templated report are untouched");

  // the tracker's revision 2 (more evidence, same diagnosis) comes out as 3, still carrying the rewrite
  const out2 = c.rewriter.track(
    sampleIncident({ revision: 2, anomalous_services: ["carts", "orders", "x"] }),
  );
  assertEquals(out2.revision, 3);
  assertEquals(out2.report_rewrite, rw.report_rewrite);
  const out3 = c.rewriter.track(sampleIncident({ revision: 3, status: "resolved" }));
  assertEquals([out3.revision, out3.report_rewrite?.model], [4, "test-model-1"]);
  assertEquals(llm.requests.length, 1, "asked once for one diagnosis");
  assertEquals(c.rewriter.counters().report_rewrites_published, 1);
  await c.rewriter.close();
});

Deno.test("ReportRewriter asks again when the fault type or the root cause changes, dropping the stale rewrite", async () => {
  await using llm = startChatCompletionsServer({ answer: () => fourSections("carts") });
  const c = collecting({ url: llm.url, model: "m" });
  c.rewriter.track(sampleIncident({ revision: 1 }));
  await c.until(1);
  const changed = c.rewriter.track(sampleIncident({ revision: 2, fault_type: "memory" }));
  assertEquals([changed.revision, changed.report_rewrite], [3, undefined]);
  await c.until(2);
  assertEquals(c.published[1].revision, 4);
  assertEquals(c.published[1].fault_type, "memory");
  assertEquals(c.published[1].report_rewrite?.revision, 3);
  const moved = sampleIncident({ revision: 3, fault_type: "memory" });
  moved.root_causes = [moved.root_causes[1], moved.root_causes[0]];
  assertEquals(c.rewriter.track(moved).report_rewrite, undefined);
  await c.until(3);
  assertEquals(llm.requests.length, 3);
  await c.rewriter.close();
});

Deno.test("ReportRewriter keeps the template on failure, counts every failure, logs once, asks once per diagnosis", async () => {
  await using llm = startChatCompletionsServer({ answer: () => new Response("boom", { status: 500 }) });
  const lines: string[] = [];
  const c = collecting({ url: llm.url, model: "m", log: (l) => lines.push(l) });
  c.rewriter.track(sampleIncident({ id: "inc-0000000000000001" }));
  c.rewriter.track(sampleIncident({ id: "inc-0000000000000002" }));
  while (c.rewriter.counters().report_rewrite_failures < 2) await new Promise((r) => setTimeout(r, 5));
  const again = c.rewriter.track(sampleIncident({ id: "inc-0000000000000001", revision: 2 }));
  assertEquals([again.revision, again.report_rewrite], [2, undefined]);
  await c.rewriter.close();
  assertEquals(llm.requests.length, 2);
  assertEquals(c.published, []);
  assertEquals(lines.length, 1, lines.join("\n"));
  assert(lines[0].includes("(http)") && lines[0].includes("HTTP 500"), lines[0]);
});

Deno.test("ReportRewriter asks nothing for replayed records and skips new diagnoses beyond max_in_flight", async () => {
  await using llm = startChatCompletionsServer({ hang: true });
  const c = collecting({ url: llm.url, model: "m", max_in_flight: 1 });
  c.rewriter.track(sampleIncident({ id: "inc-0000000000000001" }), { rewrite: false });
  c.rewriter.track(sampleIncident({ id: "inc-0000000000000002" }));
  c.rewriter.track(sampleIncident({ id: "inc-0000000000000003" }));
  const k = c.rewriter.counters();
  assertEquals([k.report_rewrites_requested, k.report_rewrites_skipped], [1, 1]);
  // close() aborts the request in flight: not the endpoint's failure
  await c.rewriter.close();
  assertEquals(c.rewriter.counters().report_rewrite_failures, 0);
});

Deno.test("createReportRewriter() is off by default, and off (saying why) when the key's variable is unset", () => {
  const lines: string[] = [];
  const on_ready = () => {};
  const config = {
    enabled: true,
    url: "http://127.0.0.1:9/v1",
    model: "m",
    api_key_env: "VIGIL_TEST_LLM_KEY",
    timeout_ms: 1000,
    max_tokens: 10,
  };
  assertEquals(createReportRewriter({ ...config, enabled: false }, { on_ready }), undefined);
  assertEquals(createReportRewriter(undefined, { on_ready }), undefined);
  assertEquals(createReportRewriter(config, { on_ready, env: {}, log: (l) => lines.push(l) }), undefined);
  assert(lines[0]?.includes("VIGIL_TEST_LLM_KEY"), lines.join("\n"));
  const r = createReportRewriter(config, {
    on_ready,
    env: { VIGIL_TEST_LLM_KEY: "sk-secret" },
    log: (l) => lines.push(l),
  });
  assert(r instanceof ReportRewriter);
  assert(!lines.some((l) => l.includes("sk-secret")), "the key is never logged");
});

Deno.test("ReportRewriter publishes no extra revision when a tracker record carried the rewrite first", async () => {
  await using llm = startChatCompletionsServer({ answer: () => fourSections("carts") });
  let ready = 0;
  const rewriter = new ReportRewriter({ url: llm.url, model: "m", on_ready: () => ready++ });
  rewriter.track(sampleIncident({ revision: 1 }));
  while (ready === 0) await new Promise((r) => setTimeout(r, 5));
  const next = rewriter.track(sampleIncident({ revision: 2 })); // the stage's queue ran this one first
  assertEquals([next.revision, next.report_rewrite?.model], [2, "test-model-1"]);
  assertEquals(rewriter.takeReady(), []);
  await rewriter.close();
});
