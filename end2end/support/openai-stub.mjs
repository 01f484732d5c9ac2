// An OpenAI-compatible server for the end-to-end tests: streamed chat completions in the
// wire format (server-sent `chat.completion.chunk`s, a finish reason, usage, `[DONE]`), a
// word every WORD_MS so a test can watch the reply arrive; and the intent classification's
// structured-output call (`response_format: json_schema`) answered with an intent of the
// schema's own list, as a model would. Anything else gets a 500.
import { createServer } from "node:http";

const port = Number(process.env.E2E_OPENAI_PORT ?? 18186);
const WORD_MS = 150;
const REPLY =
  "Happy to compare them! Harbour Blend is our everyday medium roast, chocolatey and round. " +
  "Ethiopia Guji is a light roast, bright and fruity, best as pour-over.";

const chunk = (delta, finish = null) =>
  `data: ${JSON.stringify({
    id: "chatcmpl-e2e",
    object: "chat.completion.chunk",
    created: 1_700_000_000,
    model: "e2e-stub",
    choices: [{ index: 0, delta: { content: delta }, finish_reason: finish }],
  })}\n\n`;

// The schema's intent for the customer's message: billing words → `billing`, product words →
// `sales`, else `general` (each only when the workspace has it), as a JSON completion.
function classification(request, schema) {
  const keys = schema.properties?.intent?.enum ?? [];
  const text = String(request.messages?.at(-1)?.content ?? "").toLowerCase();
  const wanted = /charge|refund|invoice|bill/.test(text)
    ? "billing"
    : /blend|roast|guji|coffee|price/.test(text)
      ? "sales"
      : "general";
  const intent = keys.includes(wanted) ? wanted : keys.includes("general") ? "general" : keys[0];
  return {
    id: "chatcmpl-e2e-intent",
    object: "chat.completion",
    created: 1_700_000_000,
    model: "e2e-stub",
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: JSON.stringify({ intent, confidence: 0.9 }) },
        finish_reason: "stop",
      },
    ],
    usage: { prompt_tokens: 120, completion_tokens: 12, total_tokens: 132 },
  };
}

createServer((req, res) => {
  if (req.method === "GET" && req.url === "/health") {
    res.end("ok");
    return;
  }
  let body = "";
  req.on("data", (d) => (body += d));
  req.on("end", async () => {
    let request = {};
    try {
      request = JSON.parse(body);
    } catch {}
    const schema = request.response_format?.json_schema?.schema;
    if (req.url === "/v1/chat/completions" && request.response_format?.type === "json_schema" && schema) {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(JSON.stringify(classification(request, schema)));
      return;
    }
    if (req.url !== "/v1/chat/completions" || request.stream !== true) {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "not here", type: "server_error" } }));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    const words = REPLY.split(/(?<= )/);
    for (const word of words) {
      if (res.destroyed) return;
      res.write(chunk(word));
      await new Promise((r) => setTimeout(r, WORD_MS));
    }
    res.write(chunk("", "stop"));
    const usage = {
      id: "chatcmpl-e2e",
      object: "chat.completion.chunk",
      created: 1_700_000_000,
      model: "e2e-stub",
      choices: [],
      usage: { prompt_tokens: 50, completion_tokens: 30, total_tokens: 80 },
    };
    res.end(`data: ${JSON.stringify(usage)}\n\ndata: [DONE]\n\n`);
  });
}).listen(port, "127.0.0.1");
