/** The benchmark's baseline: a bare Hono endpoint that reads the body and answers 200. */
import { Hono } from "hono";

const port = Number(Deno.args[0] ?? 0);
const app = new Hono();
app.post("/v1/traces", async (c) => {
  await c.req.arrayBuffer();
  return c.body(null, 200);
});
Deno.serve(
  { hostname: "127.0.0.1", port, onListen: ({ port }) => console.log(`listening ${port}`) },
  app.fetch,
);
