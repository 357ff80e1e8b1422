import type { SchemaRegistryClient } from "./schema-registry.ts";

/** A typed serializer/deserializer pair for one record type on one subject, in Confluent's wire format. */
export interface RecordCodec<T> {
  readonly subject: string;
  readonly schemaId: number;
  encode(value: T): Promise<Buffer>;
  decode(message: Buffer): Promise<T>;
}

/** Reads the schema id from a Confluent wire-format message (magic byte 0, then a 4-byte big-endian id). */
export function wireSchemaId(message: Buffer): number | undefined {
  return message.length >= 5 && message[0] === 0 ? message.readInt32BE(1) : undefined;
}

/**
 * Registers `schema` under `subject` once, then encodes with that id. Decoding accepts any id the
 * registry knows and resolves it to the writer schema; `readerSchema` (when given) applies Avro's
 * schema resolution, so a v1 reader reads v2 data and the reverse.
 */
export async function createRecordCodec<T>(
  client: SchemaRegistryClient,
  subject: string,
  schema: string,
  options: { readerSchema?: string } = {},
): Promise<RecordCodec<T>> {
  const schemaId = await client.registerAvro(subject, schema);
  const readerSchema = options.readerSchema ? (JSON.parse(options.readerSchema) as object) : undefined;
  return {
    subject,
    schemaId,
    encode: (value) => client.encode(schemaId, value),
    decode: async (message) => (await client.decode(message, { readerSchema })) as T,
  };
}
