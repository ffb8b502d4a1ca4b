/**
 * Runs a local nats-server with JetStream as a child process (the embedded default, and the test
 * helpers). The binary is $VIGIL_NATS_SERVER_BIN, else .tools/bin/nats-server (scripts/vigil installs it),
 * else `nats-server` on PATH.
 */

export interface LocalNatsServer extends AsyncDisposable {
  readonly url: string;
  readonly port: number;
  /** Stops it (SIGTERM, or SIGKILL when `hard`), keeping its store. Safe to call twice. */
  stop(options?: { hard?: boolean }): Promise<void>;
  /** Starts it again on the same port and store. */
  restart(): Promise<void>;
}

export interface LocalNatsServerOptions {
  /** @default "127.0.0.1" */
  host?: string;
  /** 0 picks a free port. @default 4222 */
  port?: number;
  /** JetStream store directory (created). */
  store_dir: string;
  /** @default 8388608 */
  max_payload_bytes?: number;
  /** Extra lines for the server config. */
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

export function freePort(host = "127.0.0.1"): number {
  const l = Deno.listen({ hostname: host, port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

/** True when something accepts TCP connections at host:port. */
export async function isListening(host: string, port: number): Promise<boolean> {
  try {
    const c = await Deno.connect({ hostname: host, port });
    c.close();
    return true;
  } catch {
    return false;
  }
}

export async function startLocalNatsServer(options: LocalNatsServerOptions): Promise<LocalNatsServer> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port === 0 ? freePort(host) : options.port ?? 4222;
  await Deno.mkdir(options.store_dir, { recursive: true });
  const storeDir = await Deno.realPath(options.store_dir);
  const conf = `${storeDir}/nats.conf`;
  await Deno.writeTextFile(
    conf,
    [
      `listen: "${host}:${port}"`,
      `max_payload: ${options.max_payload_bytes ?? 8 * 1024 * 1024}`,
      `jetstream { store_dir: "${storeDir}/js" }`,
      options.extra_config ?? "",
    ].join("\n"),
  );
  let child: Deno.ChildProcess | undefined;

  const launch = async () => {
    const proc = new Deno.Command(natsServerBin(), { args: ["-c", conf], stdout: "null", stderr: "piped" })
      .spawn();
    child = proc;
    const reader = proc.stderr.pipeThrough(new TextDecoderStream()).getReader();
    let seen = "";
    const timer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
    try {
      while (!seen.includes("Server is ready")) {
        const { value, done } = await reader.read();
        if (done) throw new Error(`nats-server exited during start: ${seen.slice(-600)}`);
        seen += value;
      }
    } finally {
      clearTimeout(timer);
    }
    // keep draining stderr so the server never blocks on a full pipe
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
    url: `nats://${host}:${port}`,
    port,
    stop,
    restart: launch,
    [Symbol.asyncDispose]: () => stop(),
  };
}
