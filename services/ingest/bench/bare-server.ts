// Baseline (a): a bare node:http server that reads the body and answers 200.
import { createServer } from "node:http";

const server = createServer((request, response) => {
  const chunks: Buffer[] = [];
  request.on("data", (chunk: Buffer) => chunks.push(chunk));
  request.on("end", () => {
    response.writeHead(200, { "content-type": "application/json" });
    response.end('{"status":"ok"}');
  });
});
server.listen(Number(process.env.PORT), "127.0.0.1", () => process.send?.("ready"));
