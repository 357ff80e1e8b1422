// What every provider module offers. Ingest and reconciliation speak only this (and a provider's own
// API mapping, which its reconciler calls), so neither needs to know any provider by name.
import type { ApiReconciliation } from "./api/reconciliation.ts";
import type { Json } from "./json.ts";
import type { ProviderOptions } from "./provider-options.ts";
import type { SampleRelations } from "./sample-relations.ts";
import type { Verifier } from "./signing/types.ts";

type Headers = Readonly<Record<string, string | undefined>>;

/** A source's settings as the modules need them (from hooklog.config.yaml and the environment). */
export interface SourceSettings {
  /** Several while a secret is rotated. */
  secrets: readonly string[];
  /** Replay window of timestamped schemes; schemes without a timestamp ignore it. */
  toleranceSeconds?: number | undefined;
  /** The source's block of the module's `options` (its own key in the file), as the module's schema parsed it. */
  options?: unknown;
}

/** A delivery as it reached ingest: the raw bytes and the lower-cased headers. */
export interface Delivery {
  rawBody: Buffer;
  headers: Headers;
  contentType: string;
}

/** What the hub knows about an event whichever way it came: the keys of the envelope and of the partition. */
export interface EventFacts {
  providerEventId: string;
  type: string;
  /** Epoch ms, when the provider states it in a way both ingest and reconciliation can read; else null. */
  providerTimestamp: number | null;
  /** Events about one entity share a partition, so they keep their order. */
  partitionKey: string;
  /**
   * Of a delivery whose event id the signature does not cover (a header anyone can change): the
   * SHA-256 of the signed content, so the same signed content under another id is found a duplicate.
   */
  replayDigest?: string;
}

export type FactsResult = { ok: true; facts: EventFacts } | { ok: false; message: string };

/** An event fetched from a provider's API, ready to become an envelope like the webhook it stands for. */
export interface FetchedEvent extends EventFacts {
  payload: Buffer;
  contentType: string;
  /** The audit headers the webhook of the same event would have kept. */
  headers: Record<string, string>;
}

/** A delivery of a sample event, signed as the provider signs. */
export interface SignedDelivery {
  rawBody: Buffer;
  /** Lower-cased, content-type included. */
  headers: Record<string, string>;
  /** The id ingest will read as the provider event id. */
  providerEventId: string;
  /** The event type ingest will read (e.g. check_run.completed for the sample check_run.completed:failure). */
  type: string;
}

export interface SampleOptions {
  /** Signs with this secret (one of the source's). */
  secret: string;
  now?: Date;
  /** The source's block of the module's `options`, for a provider that signs as its source is configured (hmac). */
  options?: unknown;
  /** Fields overridden before signing: a dotted path into the body (array indexes as numbers, e.g. data.object.lines.data.0.amount) and a JSON value. */
  set?: ReadonlyArray<{ path: string; value: Json }>;
  /** Ids shared by the samples sent together, so related events name each other as the provider's do; from newSampleRelations(). Omitted: fresh ids for everything. */
  related?: SampleRelations;
}

export interface ProviderModule {
  /** The `provider:` value in hooklog.config.yaml. */
  readonly name: string;
  /** The media types its deliveries come in, as the 415 answer names them. */
  readonly contentTypes: readonly string[];
  /** Whether a delivery in this content type can be read (every provider reads JSON, `+json` types included). */
  acceptsContentType(contentType: string): boolean;
  /** Throws SignatureConfigError at start-up when the settings cannot work. */
  createVerifier(settings: SourceSettings): Verifier;
  /** The facts of a verified delivery. */
  eventFacts(delivery: Delivery, settings: SourceSettings): FactsResult;
  /** The delivery headers kept with the event for audit; signatures and credentials never. */
  auditHeaders(headers: Headers, settings: SourceSettings): Record<string, string>;
  /** A new webhook secret in the form the provider hands out (development secrets, tests, the CLI). */
  newSecret(): string;
  /** The event types it has samples of, the most common first; `type:variant` names a variant (check_run.completed:failure). */
  readonly sampleTypes: readonly string[];
  /** Whether sampleDelivery takes any type (a generic payload for one it has no sample of), or only sampleTypes. */
  readonly anySampleType: boolean;
  /** One line on what the sample of `type` is (hooklog trigger --list). */
  sampleDescription(type: string): string;
  /**
   * A sample delivery of `type`, signed. Its event id is fresh on every call; its other ids are too
   * unless `related` is given. Throws RangeError for a type it cannot sample, SampleFieldError for a
   * field of `set` it cannot set.
   */
  sampleDelivery(type: string, options: SampleOptions): Promise<SignedDelivery>;
  /** Only for providers whose sources take a block of their own in hooklog.config.yaml. */
  readonly options?: ProviderOptions;
  /** Only for providers with an API that lists past events or deliveries. */
  readonly reconciliation?: ApiReconciliation;
}
