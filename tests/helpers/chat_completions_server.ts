/**
 * A real local HTTP server speaking OpenAI's chat-completions shape, for tests of the LLM report rewrite.
 *
 * ```ts
 * await using llm = startChatCompletionsServer({ answer: () => "What happened: ..." });
 * // POST `${llm.url}/chat/completions`; llm.requests holds what was asked
 * ```
 * `answer` gives the reply text (wrapped in a chat-completions body), or a Response to send as is;
 * `hang: true` answers nothing until the server is disposed.
 */
export interface ChatRequest {
  authorization: string | null;
  body: {
    model: string;
    max_tokens?: number;
    messages: { role: string; content: string }[];
    [k: string]: unknown;
  };
}

export interface ChatCompletionsServer extends AsyncDisposable {
  /** Base URL, without `/chat/completions`. */
  readonly url: string;
  readonly requests: ChatRequest[];
}

export function startChatCompletionsServer(options: {
  answer?: (req: ChatRequest) => string | Response;
  hang?: boolean;
  /** `model` field of the answer. @default "test-model-1" */
  model?: string;
}): ChatCompletionsServer {
  const requests: ChatRequest[] = [];
  const stop = new AbortController();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async (req) => {
    const url = new URL(req.url);
    if (req.method !== "POST" || url.pathname !== "/v1/chat/completions") {
      return new Response("not found", { status: 404 });
    }
    const r: ChatRequest = { authorization: req.headers.get("authorization"), body: await req.json() };
    requests.push(r);
    if (options.hang) {
      await new Promise<void>((resolve) =>
        stop.signal.addEventListener("abort", () => resolve(), { once: true })
      );
      return new Response("too late", { status: 504 });
    }
    const a = options.answer?.(r) ?? "";
    if (a instanceof Response) return a;
    return Response.json({
      id: `chatcmpl-${requests.length}`,
      object: "chat.completion",
      created: 0,
      model: options.model ?? "test-model-1",
      choices: [{ index: 0, message: { role: "assistant", content: a }, finish_reason: "stop" }],
      usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}/v1`,
    requests,
    async [Symbol.asyncDispose]() {
      stop.abort();
      await server.shutdown();
    },
  };
}

/** A well-formed rewrite in the four sections, naming `service`. */
export function fourSections(service: string): string {
  return [
    "**What happened:** The " + service + " service ran out of CPU.",
    "",
    "**Impact:** Its callers slowed down.",
    "",
    "**Priority:** P2, within the hour.",
    "",
    "**Recommended actions:**",
    `1. Profile ${service}.`,
    `2. Scale ${service} out.`,
  ].join("\n");
}
