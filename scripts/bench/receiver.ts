/**
 * `deno task bench:receiver`: accepted spans/s of the OTLP/HTTP receiver (protobuf, 1000-span requests,
 * each acknowledged by JetStream before its 200), driven over loopback from this process, against a bare
 * Hono endpoint that only reads the body, in the same run. Both servers run as separate processes; the
 * receiver's process is one Deno isolate (one core of JavaScript) with the processing stages off, and
 * nats-server runs beside it.
 *
 * Options: --requests N (default 400 distinct requests), --concurrency C (default 16), --rounds R (3).
 */
import { encodeOtlp } from "../../src/core/otlp/codec.ts";
import { traceRequest } from "../../src/core/otlp/fixtures.ts";
import { freePort, startLocalNatsServer } from "../../src/runtime/nats_server.ts";

function arg(name: string, dflt: number): number {
  const i = Deno.args.indexOf(`--${name}`);
  return i >= 0 ? Number(Deno.args[i + 1]) : dflt;
}
const REQUESTS = arg("requests", 400);
const CONCURRENCY = arg("concurrency", 16);
const ROUNDS = arg("rounds", 3);
const SPANS = 1000;

const root = new URL("../..", import.meta.url).pathname;

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/x-protobuf" },
        body: "",
      });
      await r.body?.cancel();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} did not come up`);
}

/** Sends every body once with `CONCURRENCY` in flight; returns spans/s of 200 answers. */
async function drive(
  url: string,
  bodies: Uint8Array<ArrayBuffer>[],
): Promise<{ spans_per_s: number; errors: number }> {
  let next = 0, ok = 0, errors = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
    while (next < bodies.length) {
      const body = bodies[next++];
      const r = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/x-protobuf" },
        body,
      });
      await r.arrayBuffer();
      if (r.status === 200) ok++;
      else errors++;
    }
  }));
  const s = (performance.now() - t0) / 1000;
  return { spans_per_s: (ok * SPANS) / s, errors };
}

const tmp = await Deno.makeTempDir({ prefix: "vigil-bench-" });
await Deno.writeTextFile(
  `${tmp}/receiver_only.yaml`,
  "features:\n  enabled: false\nincidents:\n  enabled: false\n",
);
const nats = await startLocalNatsServer({ port: 0, store_dir: `${tmp}/nats` });
const vigilPort = freePort();
const barePort = freePort();
const children: Deno.ChildProcess[] = [];
try {
  children.push(
    new Deno.Command(Deno.execPath(), {
      // the receiver alone: the processing stages would share the same cores and consume the stream
      args: ["run", "-A", `${root}src/runtime/main.ts`, "--config", `${tmp}/receiver_only.yaml`],
      env: {
        VIGIL_NATS_URL: nats.url,
        VIGIL_OTLP_HTTP_PORT: String(vigilPort),
        VIGIL_API_PORT: String(freePort()),
      },
      stdout: "null",
      stderr: "null",
    }).spawn(),
    new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${root}scripts/bench/bare_server.ts`, String(barePort)],
      stdout: "null",
      stderr: "null",
    }).spawn(),
  );
  const vigilUrl = `http://127.0.0.1:${vigilPort}/v1/traces`;
  const bareUrl = `http://127.0.0.1:${barePort}/v1/traces`;
  await waitFor(vigilUrl);
  await waitFor(bareUrl);

  console.error(`building ${REQUESTS * ROUNDS} distinct ${SPANS}-span requests...`);
  const rounds = Array.from(
    { length: ROUNDS },
    (_, r) =>
      Array.from({ length: REQUESTS }, (_, i) =>
        encodeOtlp(
          "traces",
          traceRequest({
            services: 10,
            spans_per_service: SPANS / 10,
            start_ns: 1_700_000_000_000_000_000n + BigInt((r * REQUESTS + i) * 1_000_000_000),
          }),
        )),
  );
  console.error(`request size ${rounds[0][0].length} bytes; ${CONCURRENCY} in flight`);
  // warm-up on both (distinct content so nothing is deduplicated)
  await drive(
    vigilUrl,
    rounds[0].slice(0, 20).map((b) => {
      const c = b.slice();
      c[c.length - 1] ^= 1;
      return c;
    }),
  );
  await drive(bareUrl, rounds[0].slice(0, 20));
  const vigil: number[] = [], bare: number[] = [];
  let errors = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const b = await drive(bareUrl, rounds[r]);
    const v = await drive(vigilUrl, rounds[r]);
    bare.push(b.spans_per_s);
    vigil.push(v.spans_per_s);
    errors += v.errors;
    console.error(
      `round ${r + 1}/${ROUNDS}: vigil ${Math.round(v.spans_per_s)} spans/s, bare ${
        Math.round(b.spans_per_s)
      } spans/s`,
    );
  }
  const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[xs.length >> 1];
  const mv = median(vigil), mb = median(bare);
  console.log(`receiver_accepted_spans_per_s: ${Math.round(mv)} (errors ${errors})`);
  console.log(`bare_hono_spans_per_s: ${Math.round(mb)}`);
  console.log(`receiver_vs_bare: ${(mv / mb).toFixed(2)}x vs bare Hono endpoint`);
} finally {
  for (const c of children) {
    try {
      c.kill("SIGTERM");
    } catch { /* gone */ }
    await c.status;
  }
  await nats.stop();
  await Deno.remove(tmp, { recursive: true }).catch(() => {});
}
