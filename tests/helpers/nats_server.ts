/**
 * Starts a real nats-server with JetStream for a test, on a random loopback port and a temporary store.
 *
 * ```ts
 * await using nats = await startNatsServer();
 * const nc = await connect({ servers: nats.url });
 * ```
 * The server binary is `$VIGIL_NATS_SERVER_BIN` (scripts/toolchain.sh installs it into .tools/bin), else
 * `nats-server` on PATH. Disposal kills the server and removes its store; `stop()` / `restart()` let a test
 * take NATS away and bring it back on the same port with the same store (for outage tests).
 */
export interface NatsServerHandle extends AsyncDisposable {
  /** `nats://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  /** Kills the server (SIGKILL when `hard`), keeping its store. Safe to call twice. */
  stop(options?: { hard?: boolean }): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
}

export interface StartNatsServerOptions {
  /** Max payload in bytes. @default 8388608 */
  max_payload_bytes?: number;
  /** Extra lines appended to the server config. */
  extra_config?: string;
}

export function natsServerBin(): string {
  const env = Deno.env.get("VIGIL_NATS_SERVER_BIN");
  if (env) return env;
  const local = new URL("../../.tools/bin/nats-server", import.meta.url).pathname;
  try {
    Deno.statSync(local);
    return local;
  } catch {
    return "nats-server";
  }
}

async function freePort(): Promise<number> {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

export async function startNatsServer(options: StartNatsServerOptions = {}): Promise<NatsServerHandle> {
  const storeDir = await Deno.makeTempDir({ prefix: "vigil-nats-test-" });
  const port = await freePort();
  const conf = `${storeDir}/nats.conf`;
  await Deno.writeTextFile(
    conf,
    [
      `listen: 127.0.0.1:${port}`,
      `max_payload: ${options.max_payload_bytes ?? 8 * 1024 * 1024}`,
      `jetstream { store_dir: "${storeDir}/js", max_memory_store: 256MB, max_file_store: 2GB }`,
      options.extra_config ?? "",
    ].join("\n"),
  );
  let child: Deno.ChildProcess | undefined;

  const launch = async () => {
    child = new Deno.Command(natsServerBin(), {
      args: ["-c", conf],
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const reader = child.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    const deadline = Date.now() + 15_000;
    while (!seen.includes("Server is ready")) {
      if (Date.now() > deadline) {
        throw new Error(`nats-server did not start within 15 s: ${seen.slice(-500)}`);
      }
      const { value, done } = await reader.read();
      if (done) throw new Error(`nats-server exited during start: ${seen.slice(-500)}`);
      seen += value;
    }
    // Keep draining stderr so the server never blocks on a full pipe.
    (async () => {
      try {
        while (!(await reader.read()).done) { /* drain */ }
      } catch { /* closed */ }
    })();
  };

  const stop = async ({ hard = false }: { hard?: boolean } = {}) => {
    const c = child;
    child = undefined;
    if (!c) return;
    try {
      c.kill(hard ? "SIGKILL" : "SIGTERM");
    } catch { /* already gone */ }
    await c.status;
  };

  await launch();
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    stop,
    restart: launch,
    async [Symbol.asyncDispose]() {
      await stop();
      await Deno.remove(storeDir, { recursive: true }).catch(() => {});
    },
  };
}
