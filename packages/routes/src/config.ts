import { readFileSync } from "node:fs";
import { secretList } from "@hooklog/sources";
import { parse } from "yaml";
import { z } from "zod";
import { compileFilter, FilterError, type CompiledFilter } from "./filter.ts";
import { Mapping, RouteConfigError } from "./mapping.ts";

const envName = z.string().regex(/^[A-Z_][A-Z0-9_]*$/, "an environment variable's name: upper-case letters, digits and '_'");
const expression = z.string().min(1);
const httpUrl = z.url({ protocol: /^https?$/, error: "an http:// or https:// URL" });
// A header value as fetch takes it: tabs and visible Latin-1, no line breaks.
export const HEADER_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const headerName = z.string().regex(/^[A-Za-z0-9-]+$/, "a header name");
const timeoutMs = z.number().int().min(100).max(120_000).default(10_000);
const destinationName = z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, "lower-case letters, digits and '-'");

const urlSettings = z.strictObject({
  url: httpUrl,
  // What is posted: JSON (a mapping's value, or the event's own bytes without one), or form-encoded fields.
  format: z.enum(["json", "form"]).default("json"),
  body: expression.optional(),
  headers: z.record(headerName, expression).default({}),
  // Headers whose value is a secret (an Authorization): from the environment, never shown or recorded.
  headersEnv: z.record(headerName, envName).default({}),
  secretEnv: envName.optional(),
  // Redirects are not followed (a POST would become a bodiless GET, and secrets could follow it to another host).
  // `delivered`: a 3xx answer means the POST was taken (an Apps Script web app answers 302 after running).
  redirects: z.enum(["fail", "delivered"]).default("fail"),
  timeoutMs,
});
const slackSettings = z.strictObject({ webhookUrlEnv: envName, text: expression.optional(), timeoutMs });
const emailSettings = z.strictObject({
  to: expression,
  from: z.string().min(3).default("hooklog@localhost"),
  subject: expression.optional(),
  text: expression.optional(),
});

// Exactly one kind per destination, as `- url: {...}`, `- slack: {...}`, `- email: {...}`; `name` keeps its state apart when the list is reordered.
const destinationSchema = z.union([
  z.strictObject({ name: destinationName.optional(), url: urlSettings }),
  z.strictObject({ name: destinationName.optional(), slack: slackSettings }),
  z.strictObject({ name: destinationName.optional(), email: emailSettings }),
]);

const routeSchema = z.strictObject({
  from: z.strictObject({
    sources: z.array(z.string().min(1)).min(1),
    types: z.array(z.string().min(1)).min(1).optional(),
  }),
  filter: z.record(z.string(), z.unknown()).optional(),
  to: z.array(destinationSchema).min(1),
  // After this many failures in a row a destination's circuit opens: deliveries pause and a probe tries again.
  circuit: z
    .strictObject({
      failures: z.number().int().min(1).max(1000).default(5),
      probeSeconds: z.number().min(0.1).max(3600).default(5),
      maxProbeSeconds: z.number().min(0.1).max(86_400).default(300),
    })
    .default({ failures: 5, probeSeconds: 5, maxProbeSeconds: 300 }),
  maxAttempts: z.number().int().min(1).max(100).default(8),
});

const routesSchema = z.record(z.string().regex(/^[a-z][a-z0-9-]{0,40}$/, "route names are lower-case letters, digits and '-'"), routeSchema).default({});

export interface UrlDestination {
  kind: "url";
  name: string;
  url: string;
  format: "json" | "form";
  body: Mapping | undefined;
  headers: ReadonlyArray<readonly [string, Mapping]>;
  /** Header values from the environment (secrets), by lower-case name. */
  secretHeaders: Readonly<Record<string, string>>;
  /** Several while a secret rotates (comma-separated in the variable); empty: deliveries are not signed. */
  secrets: readonly string[];
  /** The variable the signing secret comes from. */
  secretEnv: string | undefined;
  /** What a 3xx answer means: the delivery failed (the default), or it was taken. */
  redirects: "fail" | "delivered";
  timeoutMs: number;
}

export interface SlackDestination {
  kind: "slack";
  name: string;
  /** A secret: never logged or recorded, only its host. */
  webhookUrl: string;
  text: Mapping | undefined;
  timeoutMs: number;
}

export interface EmailDestination {
  kind: "email";
  name: string;
  from: string;
  to: Mapping;
  subject: Mapping | undefined;
  text: Mapping | undefined;
}

export type Destination = UrlDestination | SlackDestination | EmailDestination;

export interface Route {
  name: string;
  sources: readonly string[];
  /** Undefined: every type of those sources. */
  types: readonly string[] | undefined;
  /** The filter's keys on the payload. */
  payloadFilter: CompiledFilter;
  /** The filter's `$event` key, on the envelope: type, source, origin, id, providerEventId. */
  envelopeFilter: CompiledFilter;
  destinations: readonly Destination[];
  circuit: { failures: number; probeSeconds: number; maxProbeSeconds: number };
  maxAttempts: number;
  /** With `missingSecrets: "omit"`: the secret variables this route names that are not set. */
  unsetSecrets: readonly string[];
}

export interface RouteContext {
  /** The sources hooklog.config.yaml declares: a route's `from.sources` names some of them. */
  sources: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /**
   * `refuse` (the service): a secret variable that is not set stops the start. `omit` (`hooklog
   * routes`, which only shows): deliveries are rendered unsigned, and `unsetSecrets` names what is missing.
   */
  missingSecrets?: "refuse" | "omit";
}

/** The `routes:` block of hooklog.config.yaml, validated, its filters and mappings compiled: a RouteConfigError names the route and the field. */
export function parseRoutes(block: unknown, context: RouteContext): Route[] {
  const parsed = routesSchema.safeParse(block ?? {});
  if (!parsed.success) throw new RouteConfigError(issueText(parsed.error.issues[0]));
  const routes = Object.entries(parsed.data).map(([name, settings]) => compileRoute(name, settings, context));
  // Names may hold '-': route paid's slack-ops and route paid-slack's ops would be one consumer, and one of them would never deliver.
  const owners = new Map<string, string>();
  for (const route of routes)
    for (const destination of route.destinations) {
      const consumer = routeConsumerName("", route.name, destination.name);
      const other = owners.get(consumer);
      if (other !== undefined)
        throw new RouteConfigError(
          `routes.${route.name}: its destination ${destination.name} and ${other} have one consumer name (${consumer.slice(1)}); rename one of them`,
        );
      owners.set(consumer, `routes.${route.name}'s ${destination.name}`);
    }
  return routes;
}

/** The kit consumer of one destination of a route: its group, retry topics and dead letters follow from it. */
export const routeConsumerName = (prefix: string, route: string, destination: string): string => `${prefix}-${route}-${destination}`;

/** The routes of a hooklog.config.yaml file (none when it has no `routes:` block). */
export function loadRoutes(path: string, context: RouteContext): Route[] {
  const file = parse(readFileSync(path, "utf8")) as { routes?: unknown } | null;
  return parseRoutes(file?.routes, context);
}

function compileRoute(name: string, settings: z.infer<typeof routeSchema>, { sources, env, missingSecrets = "refuse" }: RouteContext): Route {
  const at = `routes.${name}`;
  for (const source of settings.from.sources)
    if (!sources.includes(source))
      throw new RouteConfigError(`${at}.from.sources: no source ${source} in sources: (there are ${sources.join(", ") || "none"})`);
  if (settings.circuit.maxProbeSeconds < settings.circuit.probeSeconds)
    throw new RouteConfigError(`${at}.circuit.maxProbeSeconds: at least probeSeconds (${settings.circuit.probeSeconds})`);
  const { $event: envelope, ...payload } = settings.filter ?? {};
  const filters = compileFilters(at, payload, envelope);
  const unsetSecrets: string[] = [];
  const secretOf = (field: string, variable: string): string | undefined => {
    const value = env[variable]?.trim();
    if (value) return value;
    if (missingSecrets === "refuse") throw new RouteConfigError(`${field}: the environment variable ${variable} is not set`);
    unsetSecrets.push(variable);
    return undefined;
  };
  const taken = new Set<string>();
  const destinations = settings.to.map((destination, index): Destination => {
    const kind = "url" in destination ? "url" : "slack" in destination ? "slack" : "email";
    const field = `${at}.to[${index}].${kind}`;
    const destinationName = destination.name ?? (settings.to.filter((other) => kind in other).length > 1 ? `${kind}-${index + 1}` : kind);
    if (taken.has(destinationName)) throw new RouteConfigError(`${at}.to[${index}].name: ${destinationName} names another destination of this route`);
    taken.add(destinationName);
    if ("url" in destination) {
      const { url } = destination;
      return {
        kind: "url",
        name: destinationName,
        url: url.url,
        format: url.format,
        body: url.body === undefined ? undefined : new Mapping(`${field}.body`, url.body),
        headers: Object.entries(url.headers).map(([header, value]) => [header, new Mapping(`${field}.headers.${header}`, value)] as const),
        secretHeaders: Object.fromEntries(
          Object.entries(url.headersEnv).map(([header, variable]) => {
            const value = secretOf(`${field}.headersEnv.${header}`, variable) ?? `(${variable} is not set)`;
            if (!HEADER_VALUE.test(value))
              throw new RouteConfigError(`${field}.headersEnv.${header}: ${variable} holds line breaks or characters a header cannot carry`);
            return [header.toLowerCase(), value];
          }),
        ),
        secrets: signingSecrets(`${field}.secretEnv`, url.secretEnv === undefined ? undefined : secretOf(`${field}.secretEnv`, url.secretEnv)),
        secretEnv: url.secretEnv,
        redirects: url.redirects,
        timeoutMs: url.timeoutMs,
      };
    }
    if ("slack" in destination) {
      const { slack } = destination;
      const webhookUrl = secretOf(`${field}.webhookUrlEnv`, slack.webhookUrlEnv) ?? `https://slack.invalid/${slack.webhookUrlEnv}`;
      if (!httpUrl.safeParse(webhookUrl).success) throw new RouteConfigError(`${field}.webhookUrlEnv: ${slack.webhookUrlEnv} does not hold an http(s) URL`);
      return {
        kind: "slack",
        name: destinationName,
        webhookUrl,
        text: slack.text === undefined ? undefined : new Mapping(`${field}.text`, slack.text),
        timeoutMs: slack.timeoutMs,
      };
    }
    const { email } = destination;
    return {
      kind: "email",
      name: destinationName,
      from: email.from,
      to: new Mapping(`${field}.to`, email.to),
      subject: email.subject === undefined ? undefined : new Mapping(`${field}.subject`, email.subject),
      text: email.text === undefined ? undefined : new Mapping(`${field}.text`, email.text),
    };
  });
  return {
    name,
    sources: settings.from.sources,
    types: settings.from.types,
    ...filters,
    destinations,
    circuit: settings.circuit,
    maxAttempts: settings.maxAttempts,
    unsetSecrets,
  };
}

/** A schema issue as `routes.<name>.to[0].url.url: <what is wrong>`; a bad record key says why, not only that it is bad. */
function issueText(issue: z.core.$ZodIssue | undefined): string {
  if (issue === undefined) return "routes: invalid";
  const path = issue.path.reduce<string>((text, part) => (typeof part === "number" ? `${text}[${part}]` : `${text}.${String(part)}`), "routes");
  const inner = issue.code === "invalid_key" ? issue.issues[0]?.message : undefined;
  return `${path}: ${inner ?? issue.message}`;
}

/** A comma-separated list of Standard Webhooks secrets (`whsec_` and base64), each of 24 to 64 bytes as the specification asks. */
function signingSecrets(field: string, value: string | undefined): string[] {
  const secrets = secretList(value);
  for (const [index, secret] of secrets.entries()) {
    const encoded = secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret;
    const bytes = Buffer.from(encoded, "base64").length;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded) || bytes < 24 || bytes > 64)
      throw new RouteConfigError(`${field}: secret ${index + 1} is not whsec_ and the base64 of 24 to 64 random bytes (openssl rand -base64 32)`);
  }
  return secrets;
}

function compileFilters(at: string, payload: Record<string, unknown>, envelope: unknown): Pick<Route, "payloadFilter" | "envelopeFilter"> {
  try {
    return { payloadFilter: compileFilter(payload, `${at}.filter`), envelopeFilter: compileFilter(envelope ?? {}, `${at}.filter.$event`) };
  } catch (error) {
    if (error instanceof FilterError) throw new RouteConfigError(error.message, { cause: error });
    throw error;
  }
}
