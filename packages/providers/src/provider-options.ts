// A provider's own block on its sources in hooklog.config.yaml (the generic hmac provider's `hmac:`,
// GitHub's `githubHooks:`), declared by its module so that the sources loader names no provider.
import type { z } from "@hooklog/config";

export interface ProviderOptions<Options = unknown> {
  /** The block's key on a source, as users write it; accepted only on a source of the declaring provider. */
  readonly key: string;
  /** Validates the block (defaults and normalising included); its issues are reported under `<source>.<key>`. */
  readonly schema: z.ZodType<Options>;
  /** A source of this provider without the block is refused. */
  readonly required: boolean;
  /** What the block holds, for the error that asks for it, e.g. "{ header, algorithm, encoding }". */
  readonly summary: string;
  /** The block as the source's settings carry it (`options`); undefined when the source has none. */
  of(settings: { readonly options?: unknown }): Options | undefined;
}

export function defineProviderOptions<Options>(declaration: Omit<ProviderOptions<Options>, "of">): ProviderOptions<Options> {
  return {
    ...declaration,
    // The sources loader parsed `options` with this very schema, at the boundary; settings built in code
    // are typed by their caller (and the hmac verifier still checks the values it is handed).
    of: (settings) => settings.options as Options | undefined,
  };
}
