// What every provider's samples share: finding a sample by type, and the facts of the signed result.
import type { FactsResult, SignedDelivery } from "./provider.ts";
import { SampleFieldError, type SampleField } from "./sample-fields.ts";

/** The sample of `type` in `samples`; a RangeError naming the samples there are for any other. */
export function sampleOf<S>(samples: Readonly<Record<string, S>>, provider: string, type: string): S {
  const sample = Object.hasOwn(samples, type) ? samples[type] : undefined;
  if (sample === undefined) throw new RangeError(`no ${provider} sample of type ${type} (samples: ${Object.keys(samples).join(", ")})`);
  return sample;
}

/**
 * The delivery with the id and type ingest will read of it, read by the provider's own facts, so the
 * two cannot disagree (a --set of the id or type included).
 */
export function signedSample(delivery: Pick<SignedDelivery, "rawBody" | "headers">, facts: FactsResult, set: readonly SampleField[] = []): SignedDelivery {
  if (facts.ok) return { ...delivery, providerEventId: facts.facts.providerEventId, type: facts.facts.type };
  if (set.length > 0) throw new SampleFieldError(set.map((field) => field.path).join(", "), `ingest could no longer read the sample: ${facts.message}`);
  throw new Error(`a sample ingest cannot read: ${facts.message}`);
}
