// Twilio's Messages API for the end-to-end tests: `POST /2010-04-01/Accounts/{sid}/Messages.json`
// (form-encoded, basic auth) answered 201 with a message sid, as Twilio does; every text it was
// asked to send is listed at `GET /sent` so a test can see what reached the customer.
import { createServer } from "node:http";

const port = Number(process.env.E2E_TWILIO_PORT ?? 18189);
const sent = [];

createServer((req, res) => {
  if (req.method === "GET" && req.url === "/health") {
    res.writeHead(200).end("ok");
    return;
  }
  if (req.method === "GET" && req.url === "/sent") {
    res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(sent));
    return;
  }
  const match = req.method === "POST" && req.url?.match(/^\/2010-04-01\/Accounts\/(\w+)\/Messages\.json$/);
  if (!match || !req.headers.authorization?.startsWith("Basic ")) {
    res.writeHead(404, { "content-type": "application/json" })
      .end(JSON.stringify({ code: 20404, message: "The requested resource was not found", status: 404 }));
    return;
  }
  let body = "";
  req.on("data", (c) => (body += c));
  req.on("end", () => {
    const form = Object.fromEntries(new URLSearchParams(body));
    const sid = `SM${String(sent.length + 1).padStart(32, "0")}`;
    sent.push({ sid, account: match[1], ...form });
    res.writeHead(201, { "content-type": "application/json" })
      .end(JSON.stringify({ sid, status: "queued", to: form.To, from: form.From ?? null, body: form.Body }));
  });
}).listen(port, "127.0.0.1");
