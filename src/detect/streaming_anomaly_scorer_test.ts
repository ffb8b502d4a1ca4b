import assert from "node:assert/strict";
import { StreamingAnomalyScorer } from "./streaming_anomaly_scorer.ts";

Deno.test("StreamingAnomalyScorer.update() scores a level shift high once and quiet noise low", () => {
  const s = new StreamingAnomalyScorer();
  const scores: number[] = [];
  for (let t = 0; t < 600; t++) {
    scores.push(s.update(t * 300_000, 50 + 5 * Math.sin(t / 7) + (t >= 500 ? 40 : 0)));
  }
  const before = Math.max(...scores.slice(50, 500));
  const at = Math.max(...scores.slice(500, 503));
  assert.ok(before < 0.5, `max before ${before}`);
  assert.ok(at >= 0.5, `at shift ${at}`);
  // refractory: no second report right after the first
  assert.ok(scores.slice(503, 540).every((x) => x < 0.5));
  assert.ok(scores.every((x) => x >= 0 && x <= 1));
});
