/**
 * Starts a real nats-server with JetStream for a test, on a free loopback port and a temporary store.
 *
 * ```ts
 * await using nats = await startNatsServer();
 * const nc = await connect({ servers: nats.url });
 * ```
 * Disposal kills the server and removes its store; `stop()` / `restart()` let a test take NATS away and
 * bring it back on the same port with the same store (outage tests).
 */
import { type LocalNatsServer, natsServerBin, startLocalNatsServer } from "../../src/runtime/nats_server.ts";

export { natsServerBin };

export interface NatsServerHandle extends LocalNatsServer {
  readonly storeDir: string;
}

export interface StartNatsServerOptions {
  /** Max payload in bytes. @default 8388608 */
  max_payload_bytes?: number;
  /** Extra lines appended to the server config. */
  extra_config?: string;
}

export async function startNatsServer(options: StartNatsServerOptions = {}): Promise<NatsServerHandle> {
  const storeDir = await Deno.makeTempDir({ prefix: "vigil-nats-test-" });
  const server = await startLocalNatsServer({ port: 0, store_dir: storeDir, ...options });
  return {
    url: server.url,
    port: server.port,
    storeDir,
    stop: server.stop,
    restart: server.restart,
    async [Symbol.asyncDispose]() {
      await server.stop();
      await Deno.remove(storeDir, { recursive: true }).catch(() => {});
    },
  };
}
