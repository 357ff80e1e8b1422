// Baseline (b): the naive service — express 5, verify the Stripe signature, await its own kafkajs send per request.
// With NO_KAFKA=1 it answers right after verifying: the ceiling of any express 5 service on this machine
// under this load, since every request still goes through express, the raw-body reader and the HMAC.
import { createHmac, timingSafeEqual } from "node:crypto";
import express from "express";
import { Kafka, logLevel, Partitioners } from "kafkajs";

const { PORT, KAFKA_BROKERS = "127.0.0.1:9092", TOPIC = "", SECRET = "", NO_KAFKA } = process.env;
const producer =
  NO_KAFKA === "1"
    ? undefined
    : new Kafka({ clientId: "naive", brokers: KAFKA_BROKERS.split(","), logLevel: logLevel.NOTHING }).producer({
        idempotent: true,
        maxInFlightRequests: 1,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
await producer?.connect();

const app = express();
app.post("/webhooks/stripe", express.raw({ type: () => true }), async (request, response) => {
  const body = request.body as Buffer;
  const header = request.header("stripe-signature") ?? "";
  const t = /t=(\d+)/.exec(header)?.[1] ?? "";
  const v1 = Buffer.from(/v1=([0-9a-f]+)/.exec(header)?.[1] ?? "", "hex");
  const expected = createHmac("sha256", SECRET).update(`${t}.`).update(body).digest();
  if (v1.length !== expected.length || !timingSafeEqual(v1, expected)) {
    response.status(401).end();
    return;
  }
  const event = JSON.parse(body.toString("utf8")) as { id: string };
  await producer?.send({ topic: TOPIC, acks: -1, messages: [{ key: event.id, value: body }] });
  response.status(202).json({ status: "accepted" });
});
app.listen(Number(PORT), "127.0.0.1", () => process.send?.("ready"));
