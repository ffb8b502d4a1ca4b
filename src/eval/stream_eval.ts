/** Placeholder replaced below. */
import type { Dataset } from "../replay/dataset.ts";
import type { EvalSummary, Progress } from "./harness.ts";

export interface StreamEvalOptions {
  endpoint?: string;
  nats_url?: string;
  speed?: number;
  max_cases?: number;
  on_progress?: Progress;
}

export function evaluateStream(_dataset: Dataset, _options: StreamEvalOptions = {}): Promise<EvalSummary> {
  return Promise.reject(new RangeError("Cannot run --mode stream yet: the stream replay is not wired"));
}
