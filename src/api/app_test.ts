import { assertEquals } from "../../tests/helpers/assert.ts";
import { apiApp, prometheusText } from "./app.ts";

const base = {
  ready: () => true,
  counters: () => ({ otlp_receiver: { requests: 3, errors: { "413": 1 } } }),
};

Deno.test("apiApp() answers 501 for stages that do not run here and 404 for unknown paths", async () => {
  const app = apiApp(base);
  assertEquals((await app.request("/v1/incidents")).status, 501);
  assertEquals((await app.request("/v1/services")).status, 501);
  const nf = await app.request("/v1/nope");
  assertEquals(nf.status, 404);
  assertEquals((await nf.json()).message, "no API endpoint at GET /v1/nope");
});

Deno.test("apiApp() validates query parameters with a message naming the value", async () => {
  const app = apiApp({ ...base, incidents: () => [], features: () => [], services: () => [] });
  const bad = await app.request("/v1/incidents?status=maybe");
  assertEquals(bad.status, 400);
  assertEquals((await bad.json()).message, 'status must be open or resolved: got "maybe"');
  assertEquals((await app.request("/v1/services/x/features?limit=0")).status, 400);
  assertEquals((await app.request("/v1/services/x/features?limit=5")).status, 200);
});

Deno.test("prometheusText() flattens nested counters, labelling maps keyed by names", () => {
  assertEquals(
    prometheusText({
      otlp_receiver: { requests: 3, errors: { "413": 1, "503": 2 } },
      features: { workers: { messages: 4 } },
    }),
    'vigil_otlp_receiver_requests 3\nvigil_otlp_receiver_errors{key="413"} 1\nvigil_otlp_receiver_errors{key="503"} 2\nvigil_features_workers_messages 4\n',
  );
});
