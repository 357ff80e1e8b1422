import { SchemaRegistry, SchemaType, COMPATIBILITY } from "@kafkajs/confluent-schema-registry";
import avro from "avsc";
import { KafkaUnavailableError } from "./errors.ts";

const CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";

/** Subject naming follows Confluent's TopicNameStrategy, so any Confluent-compatible registry finds the same subjects. */
export const valueSubject = (topic: string): string => `${topic}-value`;

export interface CompatibilityVerdict {
  compatible: boolean;
  /** Why not, as the registry said it. */
  messages: string[];
}

/**
 * Whether an error of @kafkajs/confluent-schema-registry means the registry did not answer, rather
 * than that the message can never decode. Every failed request is a ResponseError with a `status`:
 * the registry's own (404: it has no schema with that id), or 400 that its HTTP library (mappersmith,
 * gateway.js dispatchClientError) makes up for a refused, reset or timed-out connection. A wrong
 * magic byte (ConfluentSchemaRegistryArgumentError) and Avro's own decode errors carry no status.
 */
function registryDidNotAnswer(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== "ResponseError") return false;
  const { status } = error as Error & { status?: unknown };
  return typeof status === "number" && status !== 404;
}

/**
 * The registry as Hooklog speaks to it: only the Confluent-compatible API, through
 * @kafkajs/confluent-schema-registry for registration and the wire format, and plain HTTP
 * for the two calls that library lacks (per-subject compatibility level and the compatibility test).
 * The library stays inside: encoding and decoding go through this client (or a RecordCodec).
 */
/** A reader schema compiled once, with its resolver from each writer schema id (null: the writer is the reader). */
interface CompiledReader {
  type: avro.Type;
  resolvers: Map<number, avro.Resolver | null>;
}

/** The most the encoder's scratch buffer keeps between messages. */
const SCRATCH_MAX_BYTES = 1024 * 1024;

export class SchemaRegistryClient {
  readonly url: string;
  readonly #registry: SchemaRegistry;
  // Keyed by the reader schema object its callers keep (decode.ts, avro-codec.ts): the library's own
  // decode compiles the reader and builds the resolver again for every message.
  readonly #readers = new WeakMap<object, CompiledReader>();
  #scratch = Buffer.allocUnsafe(16 * 1024);

  constructor(url: string) {
    this.url = url.replace(/\/$/, "");
    this.#registry = new SchemaRegistry({ host: this.url, clientId: "hooklog", retry: { retries: 3, initialRetryTimeInSecs: 0.2 } });
  }

  private async call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    let response: Response;
    try {
      response = await fetch(`${this.url}${path}`, {
        method,
        headers: { "content-type": CONTENT_TYPE, accept: CONTENT_TYPE },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new KafkaUnavailableError("REGISTRY_UNREACHABLE", `Schema registry at ${this.url} did not answer ${method} ${path}`, true, { cause: error });
    }
    const text = await response.text();
    return { status: response.status, json: text ? (JSON.parse(text) as unknown) : undefined };
  }

  async setCompatibility(subject: string, level: keyof typeof COMPATIBILITY): Promise<void> {
    const { status, json } = await this.call("PUT", `/config/${encodeURIComponent(subject)}`, { compatibility: level });
    if (status !== 200)
      throw new KafkaUnavailableError(
        "REGISTRY_CONFIG_REFUSED",
        `Registry refused compatibility ${level} for ${subject}: ${status} ${JSON.stringify(json)}`,
        false,
      );
  }

  /** Tests `schema` against the subject's latest version; a subject with no versions accepts anything. */
  async checkCompatibility(subject: string, schema: string): Promise<CompatibilityVerdict> {
    const { status, json } = await this.call("POST", `/compatibility/subjects/${encodeURIComponent(subject)}/versions/latest?verbose=true`, { schema });
    if (status === 404) return { compatible: true, messages: [] };
    if (status !== 200)
      throw new KafkaUnavailableError("REGISTRY_CHECK_FAILED", `Registry could not test ${subject}: ${status} ${JSON.stringify(json)}`, status >= 500);
    const verdict = json as { is_compatible?: boolean; messages?: string[] };
    return { compatible: verdict.is_compatible === true, messages: verdict.messages ?? [] };
  }

  /** Registers (or finds) an Avro schema under `subject` with BACKWARD compatibility and returns its id. */
  async registerAvro(subject: string, schema: string): Promise<number> {
    await this.setCompatibility(subject, "BACKWARD");
    try {
      const { id } = await this.#registry.register({ type: SchemaType.AVRO, schema }, { subject, compatibility: COMPATIBILITY.BACKWARD });
      return id;
    } catch (error) {
      const status = (error as { status?: number }).status;
      if (status === 409) {
        throw new KafkaUnavailableError("SCHEMA_INCOMPATIBLE", `Schema is not BACKWARD compatible with ${subject}: ${(error as Error).message}`, false, {
          cause: error,
        });
      }
      throw new KafkaUnavailableError(
        "REGISTRY_REGISTER_FAILED",
        `Registering a schema under ${subject} failed: ${(error as Error).message}`,
        status === undefined || status >= 500,
        { cause: error },
      );
    }
  }

  /** Encodes `value` in Confluent's wire format (magic byte 0, the schema id, the Avro body) with a registered schema. */
  async encode(schemaId: number, value: unknown): Promise<Buffer> {
    const found = await this.#registry.getSchema(schemaId);
    // Duck-typed, as in #decodeAs: Hooklog registers Avro schemas only.
    if (!avro.Type.isType(found)) throw new Error(`schema ${schemaId} is not an Avro schema`);
    const type = found as avro.Type;
    // Into a scratch buffer that grows to the largest value seen, after the 5 bytes of the wire
    // format's header, then copied once: avsc's toBuffer encodes into 1 KiB and, for anything larger
    // (an envelope around a 1 KiB payload), encodes again; the library then copies it into place.
    let message: Buffer;
    try {
      const end = type.encode(value, this.#scratch, 5);
      if (end >= 0) {
        message = Buffer.allocUnsafe(end);
        this.#scratch.copy(message, 0, 0, end);
      } else {
        // Too large for the scratch buffer: encoded again into a buffer of its exact size, which is the
        // message. The scratch buffer grows too, up to SCRATCH_MAX_BYTES: one 25 MiB delivery must not keep 25 MiB.
        const size = this.#scratch.length - end;
        if (size <= SCRATCH_MAX_BYTES) this.#scratch = Buffer.allocUnsafe(Math.min(SCRATCH_MAX_BYTES, Math.max(size, 2 * this.#scratch.length)));
        message = Buffer.allocUnsafe(size);
        type.encode(value, message, 5);
      }
    } catch {
      // A value that does not fit the schema: the library says where (ConfluentSchemaRegistryValidationError).
      return this.#registry.encode(schemaId, value);
    }
    message[0] = 0;
    message.writeInt32BE(schemaId, 1);
    return message;
  }

  /**
   * Decodes a message in Confluent's wire format: the writer's schema comes from the registry by the
   * id in the message (and is cached); `readerSchema`, an Avro schema as parsed JSON, resolves the
   * value to the reader's version, so a v1 reader reads v2 data and the reverse.
   */
  async decode(message: Buffer, options: { readerSchema?: object } = {}): Promise<unknown> {
    try {
      return options.readerSchema ? await this.#decodeAs(message, options.readerSchema) : await this.#registry.decode(message);
    } catch (error) {
      if (!registryDidNotAnswer(error)) throw error;
      throw new KafkaUnavailableError("REGISTRY_UNAVAILABLE", `the schema registry could not resolve a message's schema: ${(error as Error).message}`, true, {
        cause: error,
      });
    }
  }

  /**
   * Decodes as the library does (its wire format, its cached writer schema by id), with the reader
   * compiled once per reader schema and its resolver built once per writer schema id.
   */
  async #decodeAs(message: Buffer, readerSchema: object): Promise<unknown> {
    if (message.length < 5 || message[0] !== 0) {
      throw new Error(`not in Confluent's wire format: ${message.length < 5 ? `${message.length} bytes` : `magic byte ${message[0]}, expected 0`}`);
    }
    const schemaId = message.readInt32BE(1);
    const found = await this.#registry.getSchema(schemaId);
    // Duck-typed: the library may hold a copy of avsc of its own.
    if (!avro.Type.isType(found)) throw new Error(`schema ${schemaId} is not an Avro schema`);
    const writer = found as avro.Type;
    let reader = this.#readers.get(readerSchema);
    if (!reader) {
      reader = { type: avro.Type.forSchema(readerSchema as avro.Schema), resolvers: new Map() };
      this.#readers.set(readerSchema, reader);
    }
    let resolver = reader.resolvers.get(schemaId);
    if (resolver === undefined) {
      resolver = reader.type.equals(writer) ? null : reader.type.createResolver(writer);
      reader.resolvers.set(schemaId, resolver);
    }
    return resolver ? reader.type.fromBuffer(message.subarray(5), resolver) : reader.type.fromBuffer(message.subarray(5));
  }

  async subjectVersions(subject: string): Promise<number[]> {
    const { status, json } = await this.call("GET", `/subjects/${encodeURIComponent(subject)}/versions`);
    if (status === 404) return [];
    return json as number[];
  }
}
