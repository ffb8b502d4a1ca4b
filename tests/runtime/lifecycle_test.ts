/**
 * `deno task start` as a user runs it: starts the embedded nats-server, serves OTLP, drains on SIGTERM /
 * SIGINT and exits 0, leaving no process behind; a bad config exits 2 naming every problem.
 */
import { assert, assertEquals } from "../helpers/assert.ts";
import { freePort } from "../../src/runtime/nats_server.ts";
import { connectBus } from "../../src/bus/connection.ts";
import { ensureStreams } from "../../src/bus/streams.ts";
import { startNatsServer } from "../helpers/nats_server.ts";
import { encodeOtlp } from "../../src/core/otlp/codec.ts";
import { traceRequest } from "../../src/core/otlp/fixtures.ts";

const root = new URL("../..", import.meta.url).pathname;
const sanitize = { sanitizeOps: false, sanitizeResources: false };

function pidsOf(pattern: string): number[] {
  const out = new Deno.Command("pgrep", { args: ["-f", pattern], stdout: "piped" }).outputSync();
  return new TextDecoder().decode(out.stdout).split("\n").filter(Boolean).map(Number);
}

async function waitHttp(url: string, child: Deno.ChildProcess): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(url);
      await r.body?.cancel();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  child.kill("SIGKILL");
  throw new Error(`${url} never answered`);
}

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  Deno.test({
    name:
      `deno task start serves OTLP with an embedded nats-server and exits 0 on ${signal}, leaving no process`,
    ...sanitize,
    async fn() {
      const dir = await Deno.makeTempDir({ prefix: "vigil-start-" });
      const natsPort = freePort(), otlpPort = freePort(), apiPort = freePort();
      const config = `${dir}/vigil.yaml`;
      await Deno.writeTextFile(config, `nats:\n  store_dir: ${dir}/nats\n`);
      const child = new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `${root}src/runtime/main.ts`, "--config", config],
        env: {
          VIGIL_NATS_URL: `nats://127.0.0.1:${natsPort}`,
          VIGIL_OTLP_HTTP_PORT: String(otlpPort),
          VIGIL_API_PORT: String(apiPort),
        },
        stdout: "piped",
        stderr: "piped",
      }).spawn();
      await waitHttp(`http://127.0.0.1:${apiPort}/readyz`, child);
      const r = await fetch(`http://127.0.0.1:${otlpPort}/v1/traces`, {
        method: "POST",
        body: encodeOtlp("traces", traceRequest()),
        headers: { "content-type": "application/x-protobuf" },
      });
      assertEquals(r.status, 200);
      await r.body?.cancel();
      assertEquals(pidsOf(`${dir}/nats/nats.conf`).length, 1, "the embedded nats-server runs");
      child.kill(signal);
      const [status, , stderr] = await Promise.all([
        child.status,
        new Response(child.stdout).text(),
        new Response(child.stderr).text(),
      ]);
      assertEquals(status.code, 0, stderr);
      assert(stderr.includes(`${signal} received, draining`), stderr);
      assert(stderr.includes("vigil: stopped"), stderr);
      assertEquals(pidsOf(`${dir}/nats/nats.conf`), [], "the embedded nats-server was left running");
      await Deno.remove(dir, { recursive: true });
    },
  });
}

Deno.test({
  name: "deno task start with an invalid config exits 2 and names every problem",
  ...sanitize,
  async fn() {
    const dir = await Deno.makeTempDir();
    await Deno.writeTextFile(
      `${dir}/bad.yaml`,
      "otlp_http:\n  port: seventy\nnats:\n  embedded: sometimes\nextra: 1\n",
    );
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${root}src/runtime/main.ts`, "--config", `${dir}/bad.yaml`],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(out.stderr);
    assertEquals(out.code, 2, err);
    for (const p of ["otlp_http.port", "nats.embedded", "extra", `${dir}/bad.yaml`]) {
      assert(err.includes(p), err);
    }
    assert(!err.includes("    at "), `a stack trace was shown:\n${err}`);
    await Deno.remove(dir, { recursive: true });
  },
});

Deno.test({
  name: "ensureStreams() is idempotent and applies config overrides",
  ...sanitize,
  async fn() {
    await using nats = await startNatsServer();
    await using bus = await connectBus(nats.url);
    const first = await ensureStreams(bus);
    assert(first.created.includes("OTLP") && first.created.includes("INCIDENTS"));
    assertEquals(await ensureStreams(bus), { created: [], updated: [] });
    const over = await ensureStreams(bus, { overrides: { OTLP: { max_bytes: 1024 * 1024 * 64 } } });
    assertEquals(over, { created: [], updated: ["OTLP"] });
    const info = await (await bus.jsm()).streams.info("OTLP");
    assertEquals(info.config.max_bytes, 1024 * 1024 * 64);
    assertEquals(info.config.discard, "new");
  },
});
