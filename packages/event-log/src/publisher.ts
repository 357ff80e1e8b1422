import type { Producer } from "@hooklog/kafka";
import { GroupCommit } from "./group-commit.ts";

export interface OutgoingMessage {
  topic: string;
  key: string;
  value: Buffer;
  headers: Record<string, string>;
}

/**
 * Sends events to Kafka in shared batches through the idempotent producer (acks=all).
 * `publish` resolves only once the broker has acknowledged the batch holding the event.
 */
export class BatchPublisher {
  readonly #batches: GroupCommit<OutgoingMessage, void>;

  constructor(producer: Producer, options: { maxBatch: number; onBatch?: (size: number, seconds: number) => void }) {
    this.#batches = new GroupCommit<OutgoingMessage, void>({
      maxBatch: options.maxBatch,
      ...(options.onBatch ? { onCommit: options.onBatch } : {}),
      commit: async (messages) => {
        const byTopic = new Map<string, OutgoingMessage[]>();
        for (const message of messages) byTopic.set(message.topic, [...(byTopic.get(message.topic) ?? []), message]);
        await producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, batch]) => ({
            topic,
            messages: batch.map(({ key, value, headers }) => ({ key, value, headers })),
          })),
        });
        return messages.map(() => undefined);
      },
    });
  }

  publish(message: OutgoingMessage): Promise<void> {
    return this.#batches.submit(message);
  }

  drain(): Promise<void> {
    return this.#batches.drain();
  }
}
