import { connect } from "@nats-io/transport-node";
import { jetstreamManager } from "@nats-io/jetstream";
import { startNatsServer } from "./nats_server.ts";

Deno.test("startNatsServer() starts a JetStream server that survives stop() and restart()", async () => {
  await using nats = await startNatsServer();
  let nc = await connect({ servers: nats.url });
  const jsm = await jetstreamManager(nc);
  await jsm.streams.add({ name: "T", subjects: ["t.>"] });
  await nc.close();
  await nats.stop();
  await nats.restart();
  nc = await connect({ servers: nats.url });
  const info = await (await jetstreamManager(nc)).streams.info("T");
  if (info.config.name !== "T") throw new Error("stream lost across restart");
  await nc.close();
});
