/**
 * The receiver's error paths against a real Vigil and nats-server: every answer is the right status
 * with a google.rpc.Status naming the problem, nothing half-stored, and the process keeps serving.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { startTestVigil } from "../helpers/vigil.ts";
import fc from "fast-check";
import { decodeOtlp, decodeRpcStatus, encodeOtlp, otlpType } from "../../src/core/otlp/codec.ts";
import { traceRequest } from "../../src/core/otlp/fixtures.ts";
import { jetstream } from "@nats-io/jetstream";
import { connect } from "@nats-io/transport-node";

const sanitize = { sanitizeOps: false, sanitizeResources: false };
const PROTO = { "content-type": "application/x-protobuf" };
const JSON_CT = { "content-type": "application/json" };

async function post(url: string, body: BodyInit, headers: Record<string, string>) {
  const res = await fetch(url, { method: "POST", body, headers });
  const bytes = new Uint8Array(await res.arrayBuffer());
  return { status: res.status, headers: res.headers, bytes, text: new TextDecoder().decode(bytes) };
}

async function gzip(bytes: Uint8Array): Promise<Uint8Array<ArrayBuffer>> {
  const s = new Blob([bytes as BlobPart]).stream().pipeThrough(new CompressionStream("gzip"));
  return new Uint8Array(await new Response(s).arrayBuffer());
}

Deno.test({
  name: "receiver answers 400 / 415 / 405 / 404 with a message naming the problem",
  ...sanitize,
  async fn() {
    await using t = await startTestVigil();
    const u = `${t.otlp_url}/v1/traces`;
    let r = await post(u, new Uint8Array([0x0a, 0xff, 0x01]), PROTO);
    assertEquals(r.status, 400);
    assert(decodeRpcStatus(r.bytes).message.includes("Malformed OTLP protobuf"), r.text);
    r = await post(u, "{not json", JSON_CT);
    assertEquals(r.status, 400);
    assert(JSON.parse(r.text).message.includes("not valid JSON"), r.text);
    r = await post(
      u,
      JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ kind: "sideways" }] }] }] }),
      JSON_CT,
    );
    assertEquals(r.status, 400);
    assert(JSON.parse(r.text).message.includes("kind"), r.text);
    r = await post(u, "x", { "content-type": "text/plain" });
    assertEquals(r.status, 415);
    assert(r.text.includes("text/plain"), r.text);
    r = await post(u, "x", { ...PROTO, "content-encoding": "br" });
    assertEquals(r.status, 415);
    r = await post(u, new Uint8Array([1, 2, 3]), { ...PROTO, "content-encoding": "gzip" });
    assertEquals(r.status, 400);
    assert(decodeRpcStatus(r.bytes).message.includes("gzip"), r.text);
    const g = await fetch(u);
    assertEquals([g.status, g.headers.get("allow")], [405, "POST"]);
    await g.body?.cancel();
    const nf = await fetch(`${t.otlp_url}/v1/profiles`, { method: "POST" });
    assertEquals(nf.status, 404);
    await nf.body?.cancel();
    r = await post(u, encodeOtlp("traces", traceRequest()), { ...PROTO, "x-vigil-tenant": "a.b" });
    assertEquals(r.status, 400);
    assertEquals((await t.streamMessages("OTLP")).length, 0);
  },
});

Deno.test({
  name: "receiver answers 413 for an oversized body and for a 1 GiB gzip bomb, with bounded memory",
  ...sanitize,
  async fn() {
    await using t = await startTestVigil({ otlp_http: { max_body_bytes: 1024 * 1024 } });
    const u = `${t.otlp_url}/v1/traces`;
    let r = await post(u, new Uint8Array(2 * 1024 * 1024), PROTO);
    assertEquals(r.status, 413);
    // 1 GiB of zeros, gzip-compressed as it is generated (about 1 MiB on the wire)
    const zeros = new Uint8Array(1024 * 1024);
    let left = 1024;
    const source = new ReadableStream<Uint8Array<ArrayBuffer>>({
      pull(c) {
        if (left-- > 0) c.enqueue(zeros);
        else c.close();
      },
    });
    const bomb = new Uint8Array(
      await new Response(source.pipeThrough(new CompressionStream("gzip"))).arrayBuffer(),
    );
    assert(bomb.length < 4 * 1024 * 1024, `bomb is ${bomb.length} bytes`);
    const before = Deno.memoryUsage().rss;
    r = await post(u, bomb, { ...PROTO, "content-encoding": "gzip" });
    const grown = Deno.memoryUsage().rss - before;
    assertEquals(r.status, 413);
    assert(decodeRpcStatus(r.bytes).message.includes("after decompression"), r.text);
    assert(grown < 256 * 1024 * 1024, `RSS grew by ${grown} bytes while refusing the bomb`);
    // still serving
    r = await post(u, encodeOtlp("traces", traceRequest()), PROTO);
    assertEquals(r.status, 200);
  },
});

Deno.test({
  name: "receiver never answers 5xx to random bodies, in either encoding (property)",
  ...sanitize,
  async fn() {
    await using t = await startTestVigil();
    const valid = encodeOtlp("traces", traceRequest({ services: 1, spans_per_service: 2 }));
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 2048 }),
          fc.tuple(fc.nat(valid.length - 1), fc.nat(255)).map(([i, v]) => {
            const b = valid.slice();
            b[i] = v;
            return b;
          }),
          fc.json().map((j) => new TextEncoder().encode(j)),
        ),
        fc.constantFrom("traces", "metrics", "logs"),
        fc.constantFrom("application/x-protobuf", "application/json"),
        async (body, signal, ct) => {
          const r = await post(`${t.otlp_url}/v1/${signal}`, body, { "content-type": ct });
          assert(r.status < 500, `${r.status} for ${signal} ${ct}: ${r.text.slice(0, 200)}`);
          if (r.status === 200) return;
          assert(r.status === 400, `unexpected ${r.status}`);
        },
      ),
      { numRuns: 300 },
    );
  },
});

Deno.test({
  name: "receiver rejects spans with invalid ids through partial_success and stores the rest",
  ...sanitize,
  async fn() {
    await using t = await startTestVigil();
    const req = traceRequest({ services: 1, spans_per_service: 5 });
    req.resourceSpans[0].scopeSpans[0].spans[1].traceId = "00";
    req.resourceSpans[0].scopeSpans[0].spans[3].spanId = "zz";
    const r = await post(`${t.otlp_url}/v1/traces`, JSON.stringify(req), JSON_CT);
    assertEquals(r.status, 200);
    const body = JSON.parse(r.text);
    assertEquals(body.partialSuccess.rejectedSpans, "2");
    assert(body.partialSuccess.errorMessage.includes("trace_id"), r.text);
    const rp = await post(`${t.otlp_url}/v1/traces`, encodeOtlp("traces", req), PROTO);
    const resp = otlpType("ExportTraceServiceResponse").decode(rp.bytes).toJSON();
    assertEquals(resp.partialSuccess.rejectedSpans, "2");
    const stored = (await t.streamMessages("OTLP")).map((m) => decodeOtlp("traces", m.data));
    // JSON and protobuf of the same request encode identically: stored once
    assertEquals(stored.length, 1);
    assertEquals(stored[0].resourceSpans[0].scopeSpans[0].spans.length, 3);
  },
});

Deno.test({
  name: "a retried request is stored once, another tenant goes to its own subject",
  ...sanitize,
  async fn() {
    await using t = await startTestVigil();
    const body = encodeOtlp("traces", traceRequest());
    for (let i = 0; i < 3; i++) {
      assertEquals((await post(`${t.otlp_url}/v1/traces`, body, PROTO)).status, 200);
    }
    assertEquals(
      (await post(`${t.otlp_url}/v1/traces`, await gzip(body), { ...PROTO, "content-encoding": "gzip" }))
        .status,
      200,
    );
    assertEquals(
      (await post(`${t.otlp_url}/v1/traces`, body, { ...PROTO, "x-vigil-tenant": "acme" })).status,
      200,
    );
    const msgs = await t.streamMessages("OTLP");
    assertEquals(msgs.map((m) => m.subject), ["otlp.v1.traces.default", "otlp.v1.traces.acme"]);
    assertEquals(t.vigil.receiver.stats.duplicate_messages, 3);
  },
});

Deno.test({
  name: "a request larger than one NATS message is split and every span is stored",
  ...sanitize,
  async fn() {
    await using t = await startTestVigil({ otlp_http: { max_message_bytes: 64 * 1024 } });
    const req = traceRequest({ services: 6, spans_per_service: 400 });
    const r = await post(`${t.otlp_url}/v1/traces`, encodeOtlp("traces", req), PROTO);
    assertEquals(r.status, 200);
    const msgs = await t.streamMessages("OTLP");
    assert(msgs.length > 1, `${msgs.length} message(s)`);
    const ids = new Set<string>();
    for (const m of msgs) {
      assert(m.data.length <= 64 * 1024);
      for (const rs of decodeOtlp("traces", m.data).resourceSpans) {
        for (const ss of rs.scopeSpans) for (const s of ss.spans) ids.add(s.spanId);
      }
    }
    assertEquals(ids.size, 2400);
  },
});

Deno.test({
  name: "NATS stopped mid-test: 503 with Retry-After, then recovery without restarting Vigil",
  ...sanitize,
  async fn() {
    await using t = await startTestVigil({ otlp_http: { publish_timeout_ms: 1500 } });
    const u = `${t.otlp_url}/v1/traces`;
    assertEquals((await post(u, encodeOtlp("traces", traceRequest({ start_ns: 1n })), PROTO)).status, 200);
    await t.nats.stop();
    const down = await post(u, encodeOtlp("traces", traceRequest({ start_ns: 2n })), PROTO);
    assertEquals(down.status, 503);
    assertEquals(down.headers.get("retry-after"), "2");
    assertEquals(decodeRpcStatus(down.bytes).code, 14);
    const ready = await fetch(`${t.api_url}/readyz`);
    assertEquals(ready.status, 503);
    await ready.body?.cancel();
    await t.nats.restart();
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 200));
      status = (await post(u, encodeOtlp("traces", traceRequest({ start_ns: 2n })), PROTO)).status;
    }
    assertEquals(status, 200);
    assertEquals((await t.streamMessages("OTLP")).length, 2);
  },
});

Deno.test({
  name: "OTLP published straight to NATS lands in the OTLP stream like HTTP data",
  ...sanitize,
  async fn() {
    await using t = await startTestVigil();
    const nc = await connect({ servers: t.nats.url });
    const ack = await jetstream(nc).publish("otlp.v1.traces.default", encodeOtlp("traces", traceRequest()));
    assertEquals(ack.stream, "OTLP");
    await nc.close();
    const msgs = await t.streamMessages("OTLP");
    assertEquals(decodeOtlp("traces", msgs[0].data).resourceSpans.length, 2);
  },
});

Deno.test({
  name: "a full OTLP stream (discard: new) is answered 429 with Retry-After, and nothing is half-stored",
  ...sanitize,
  async fn() {
    await using t = await startTestVigil({ nats: { streams: { OTLP: { max_bytes: 64 * 1024 } } } });
    const u = `${t.otlp_url}/v1/traces`;
    let status = 200, i = 0, last: Awaited<ReturnType<typeof post>> | undefined;
    for (; i < 50 && status === 200; i++) {
      last = await post(
        u,
        encodeOtlp("traces", traceRequest({ spans_per_service: 20, start_ns: BigInt(i + 1) })),
        PROTO,
      );
      status = last.status;
    }
    assertEquals(status, 429);
    assertEquals(last!.headers.get("retry-after"), "2");
    assertEquals(decodeRpcStatus(last!.bytes).code, 8);
    assert(decodeRpcStatus(last!.bytes).message.includes("full"), last!.text);
    // every 200 is in the stream, the refused request is not
    assertEquals((await t.streamMessages("OTLP")).length, i - 1);
  },
});
