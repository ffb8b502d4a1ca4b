import { assert, assertEquals, assertRejects } from "../../tests/helpers/assert.ts";
import { fourSections, startChatCompletionsServer } from "../../tests/helpers/chat_completions_server.ts";
import { sampleIncident } from "../../tests/helpers/incident_fixture.ts";
import { incidentRecordSchema } from "./incident_record.ts";
import { parseReportSections, ReportLlmError, reportPrompt, rewriteReport } from "./report_llm.ts";

Deno.test("reportPrompt() gives the structured incident and the templated report, asking for four sections", () => {
  const [system, user] = reportPrompt(sampleIncident());
  for (const h of ["What happened:", "Impact:", "Priority:", "Recommended actions:"]) {
    assert(system.content.includes(h), `system prompt lacks ${h}`);
    assert(user.content.includes(h), `templated report lacks ${h}`);
  }
  for (
    const fact of ['"service": "carts"', '"indicator": "cpu"', "cpu 0.21 -> 0.93", '"fault_type": "cpu"']
  ) {
    assert(user.content.includes(fact), `prompt lacks ${fact}:\n${user.content}`);
  }
  assert(user.content.includes("front-end") && user.content.includes('"priority": "P2"'), user.content);
});

Deno.test("rewriteReport() returns the four sections marked with the answering model", async () => {
  await using llm = startChatCompletionsServer({
    answer: () => fourSections("carts"),
    model: "test-model-1",
  });
  const r = sampleIncident({ revision: 3 });
  const rw = await rewriteReport(r, {
    url: llm.url + "/",
    model: "asked-model",
    api_key: "sk-test",
    max_tokens: 321,
  });
  assertEquals(rw, {
    model: "test-model-1",
    revision: 3,
    what_happened: "The carts service ran out of CPU.",
    impact: "Its callers slowed down.",
    priority: "P2, within the hour.",
    recommended_actions: ["Profile carts.", "Scale carts out."],
  });
  assert(incidentRecordSchema.safeParse({ ...r, report_rewrite: rw }).success);
  assertEquals(llm.requests.length, 1);
  const [req] = llm.requests;
  assertEquals(req.authorization, "Bearer sk-test");
  assertEquals([req.body.model, req.body.max_tokens, req.body.messages.length], ["asked-model", 321, 2]);
});

Deno.test("rewriteReport() sends no Authorization header without a key", async () => {
  await using llm = startChatCompletionsServer({ answer: () => fourSections("carts") });
  await rewriteReport(sampleIncident(), { url: llm.url, model: "m" });
  assertEquals(llm.requests[0].authorization, null);
});

Deno.test("rewriteReport() rejects with reason timeout when no answer comes within timeout_ms", async () => {
  await using llm = startChatCompletionsServer({ hang: true });
  const e = await assertRejects(
    () => rewriteReport(sampleIncident(), { url: llm.url, model: "m", timeout_ms: 50 }),
    ReportLlmError,
  );
  assertEquals(e.reason, "timeout");
  assert(e.message.includes("50 ms"), e.message);
});

Deno.test("rewriteReport() rejects with reason http on a 500, quoting the status", async () => {
  await using llm = startChatCompletionsServer({
    answer: () => Response.json({ error: { message: "model overloaded" } }, { status: 500 }),
  });
  const e = await assertRejects(
    () => rewriteReport(sampleIncident(), { url: llm.url, model: "m" }),
    ReportLlmError,
  );
  assertEquals(e.reason, "http");
  assert(e.message.includes("HTTP 500") && e.message.includes("model overloaded"), e.message);
});

Deno.test("rewriteReport() rejects with reason malformed on a body that is not chat-completions JSON", async () => {
  for (const bad of [new Response("<html>gateway</html>"), Response.json({ choices: [] })]) {
    await using llm = startChatCompletionsServer({ answer: () => bad });
    const e = await assertRejects(
      () => rewriteReport(sampleIncident(), { url: llm.url, model: "m" }),
      ReportLlmError,
    );
    assertEquals(e.reason, "malformed", e.message);
  }
});

Deno.test("rewriteReport() rejects an empty answer (empty) and one missing sections (malformed, naming them)", async () => {
  {
    await using llm = startChatCompletionsServer({ answer: () => "  <think>hmm</think>\n" });
    const e = await assertRejects(
      () => rewriteReport(sampleIncident(), { url: llm.url, model: "m" }),
      ReportLlmError,
    );
    assertEquals(e.reason, "empty");
    await using nothing = startChatCompletionsServer({
      answer: () =>
        Response.json({ model: "m", choices: [{ message: { role: "assistant", content: null } }] }),
    });
    const n = await assertRejects(
      () => rewriteReport(sampleIncident(), { url: nothing.url, model: "m" }),
      ReportLlmError,
    );
    assertEquals(n.reason, "empty");
  }
  {
    await using llm = startChatCompletionsServer({
      answer: () => "What happened: carts is slow.\nImpact: some.",
    });
    const e = await assertRejects(
      () => rewriteReport(sampleIncident(), { url: llm.url, model: "m" }),
      ReportLlmError,
    );
    assertEquals(e.reason, "malformed");
    assert(e.message.includes("Priority, Recommended actions"), e.message);
  }
});

Deno.test("rewriteReport() rejects with reason network when nothing listens, and aborted on the caller's signal", async () => {
  const llm = startChatCompletionsServer({});
  const url = llm.url;
  await llm[Symbol.asyncDispose]();
  const e = await assertRejects(() => rewriteReport(sampleIncident(), { url, model: "m" }), ReportLlmError);
  assertEquals(e.reason, "network");
  await using hanging = startChatCompletionsServer({ hang: true });
  const abort = new AbortController();
  const p = rewriteReport(sampleIncident(), { url: hanging.url, model: "m", signal: abort.signal });
  while (hanging.requests.length === 0) await new Promise((r) => setTimeout(r, 5));
  abort.abort();
  assertEquals((await assertRejects(() => p, ReportLlmError)).reason, "aborted");
});

Deno.test("parseReportSections() reads markdown headings, inline text, parentheses and list markers", () => {
  const s = parseReportSections([
    "<think>let me see</think>",
    "## What happened",
    "Carts ran hot.",
    "It started at noon.",
    "### Impact:",
    "- Orders slowed.",
    "Priority: P2",
    "**Recommended actions (most urgent first):**",
    "1. Profile carts.",
    "- Scale out.",
    "* Check the node.",
  ].join("\n"))!;
  assertEquals(s.what_happened, ["Carts ran hot.", "It started at noon."]);
  assertEquals(s.impact, ["- Orders slowed."]);
  assertEquals(s.priority, ["P2"]);
  assertEquals(s.recommended_actions, ["Profile carts.", "Scale out.", "Check the node."]);
  // a sentence that starts with a heading word is text, not a heading
  assertEquals(parseReportSections("Impact: x\nImpact assessment is pending.")!.impact, [
    "x",
    "Impact assessment is pending.",
  ]);
});
