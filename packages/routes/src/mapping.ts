import { HooklogError } from "@hooklog/core";
import jsonata from "jsonata";
import { Re2RegExp } from "./re2-regexp.ts";

/** The envelope's fields a mapping reads as `$event`: `$event.type`, `$event.source`, `$event.id`. */
export interface EnvelopeFields {
  id: string;
  source: string;
  type: string;
  providerEventId: string;
  origin: string;
  receivedAt: number;
}

/** A route's configuration is wrong: the message names the route and the field. Never retried. */
export class RouteConfigError extends HooklogError<"ROUTE_CONFIG_INVALID"> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ROUTE_CONFIG_INVALID", message, { retryable: false, ...options });
  }
}

/** A mapping failed for one event (nothing came out of it, or it ran too long): that event is dead-lettered for that destination. */
export class MappingError extends HooklogError<"ROUTE_MAPPING_FAILED"> {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ROUTE_MAPPING_FAILED", message, { retryable: false, ...options });
  }
}

// JSONata is declarative, but a user-defined function can recurse: its own guardrails box each
// evaluation in time, depth and sequence length (D1012, D1011, D2014 when one is passed); its regexes
// run on RE2JS, whose time is linear in the text (a JavaScript RegExp could backtrack past any timeout).
const LIMITS = { timeout: 250, stack: 200, sequence: 100_000, RegexEngine: Re2RegExp as unknown as RegExpConstructor };

/** JSONata throws plain objects with a code; its guardrails' carry no message. */
function evaluationProblem(error: unknown): string {
  const { code, message, value } = error as { code?: string; message?: string; value?: unknown };
  if (code === "D1011") return `deeper than ${String(value)} levels`;
  if (code === "D1012") return `ran past ${String(value)} ms`;
  return message ?? String(error);
}

/** One JSONata expression of a route, compiled when the configuration loads. */
export class Mapping {
  readonly field: string;
  readonly expression: string;
  readonly #compiled: ReturnType<typeof jsonata>;

  /** Throws RouteConfigError naming `field` (`routes.<name>.to[0].slack.text`) when the expression does not compile. */
  constructor(field: string, expression: string) {
    this.field = field;
    this.expression = expression;
    try {
      this.#compiled = jsonata(expression, LIMITS);
    } catch (error) {
      const { message, position } = error as { message: string; position?: number };
      throw new RouteConfigError(`${field}: ${message}${position === undefined ? "" : ` (at character ${position})`} in ${JSON.stringify(expression)}`, {
        cause: error,
      });
    }
  }

  /** The expression's value against the payload, with the envelope as `$event`; a MappingError when it yields nothing. */
  async evaluate(payload: unknown, event: EnvelopeFields): Promise<unknown> {
    let value: unknown;
    try {
      value = await this.#compiled.evaluate(payload, { event });
    } catch (error) {
      throw new MappingError(`${this.field}: ${evaluationProblem(error)} in ${JSON.stringify(this.expression)}`, { cause: error });
    }
    if (value === undefined)
      throw new MappingError(`${this.field}: ${JSON.stringify(this.expression)} gave nothing for this event (a field it reads is missing)`);
    return value;
  }

  /** As evaluate, the value as text: a string as it is, anything else as JSON. */
  async text(payload: unknown, event: EnvelopeFields): Promise<string> {
    const value = await this.evaluate(payload, event);
    if (typeof value === "string") return value;
    const json = JSON.stringify(value) as string | undefined;
    if (json === undefined) throw new MappingError(`${this.field}: ${JSON.stringify(this.expression)} gave a function, not a value`);
    return json;
  }
}
