// A catalog of a million events, made in Postgres (INSERT ... SELECT over generate_series) in
// minutes rather than projected in hours: three sources, forty types with a skew (a few types are
// most of the traffic), payloads with a customer among 50,000, amounts and free text, 30 days of
// receipts, and a consumer's state for every event, 1 % of them failing. The migration's indexes are
// dropped for the load and rebuilt from their own definitions after it, as a bulk load would do.
import type { Knex } from "@hooklog/db";

const WORDS =
  "account active address amount annual apple april august balance bank basic billing blue bonus bronze budget card cart cash change " +
  "city cloud coffee credit daily delta discount dollar early east energy euro extra family fast final first forest garden gift global gold " +
  "green group harbor home hotel house invoice island january july june large light limit local march market member metal monthly " +
  "morning mountain north ocean office orange order paper partner pearl planet premium quarter quick rapid refund region river " +
  "royal seats silver small solar spring standard star store summer support team tiger travel trial upgrade urban valley winter yearly";

const STRIPE_TYPES = [
  "invoice.paid",
  "customer.subscription.updated",
  "charge.succeeded",
  "payment_intent.succeeded",
  "invoice.payment_failed",
  "invoice.finalized",
  "invoice.created",
  "invoice.upcoming",
  "charge.failed",
  "charge.refunded",
  "charge.dispute.created",
  "customer.created",
  "customer.updated",
  "customer.deleted",
  "customer.subscription.created",
  "customer.subscription.deleted",
  "payment_intent.payment_failed",
  "payment_intent.created",
  "checkout.session.completed",
  "payout.paid",
];
const GITHUB_TYPES = [
  "push",
  "pull_request.synchronize",
  "pull_request.opened",
  "pull_request.closed",
  "issue_comment.created",
  "issues.opened",
  "issues.closed",
  "workflow_run.completed",
  "check_suite.completed",
  "release.published",
  "deployment_status.created",
  "star.created",
];
const SHOPIFY_TYPES = [
  "orders/create",
  "orders/paid",
  "orders/fulfilled",
  "customers/update",
  "orders/cancelled",
  "refunds/create",
  "customers/create",
  "products/update",
];

export const BENCH_SOURCES = ["bench-stripe", "bench-github", "bench-shopify"] as const;
/** The consumer whose 1 % of events are failing (retrying 40 %, dead-lettered 40 %, parked 20 %). */
export const FAILING_CONSUMER = "alerts";

const sqlArray = (items: readonly string[]): string => `array[${items.map((item) => `'${item}'`).join(",")}]`;

/** One row per g: the random draws are hashes of g, so a run's rows are the same each time. */
const ROWS = `
with draws as (
  select g,
    abs(hashint8(g * 7 + 1)::bigint) as r1, abs(hashint8(g * 7 + 2)::bigint) as r2, abs(hashint8(g * 7 + 3)::bigint) as r3,
    abs(hashint8(g * 7 + 4)::bigint) as r4, abs(hashint8(g * 7 + 5)::bigint) as r5, abs(hashint8(g * 7 + 6)::bigint) as r6,
    string_to_array('${WORDS}', ' ') as words
  from generate_series(?::bigint, ?::bigint) as g
), shaped as (
  select g, r3, r4, r5, r6,
    case when r1 % 100 < 60 then 'stripe' when r1 % 100 < 90 then 'github' else 'shopify' end as provider,
    md5('bench-event-' || g)::uuid::text as event_id,
    words[1 + r5 % 100] || ' ' || words[1 + (r5 / 100) % 100] || ' ' || words[1 + (r5 / 10000) % 100] || ' ref' || (r6 % 200000) as text,
    (r2 % 10000) / 10000.0 as skew,
    now() - interval '30 days' * (g::float8 / ?) + interval '1 millisecond' * (r4 % 1000) as received_at
  from draws
), typed as (
  select *,
    'bench-' || provider as source,
    case provider
      when 'stripe' then (${sqlArray(STRIPE_TYPES)})[1 + floor(${STRIPE_TYPES.length} * skew * skew)::int]
      when 'github' then (${sqlArray(GITHUB_TYPES)})[1 + floor(${GITHUB_TYPES.length} * skew * skew)::int]
      else (${sqlArray(SHOPIFY_TYPES)})[1 + floor(${SHOPIFY_TYPES.length} * skew * skew)::int]
    end as type,
    case provider
      when 'stripe' then 'evt_' || substr(md5('evt' || g), 1, 24)
      when 'github' then md5('delivery' || g)::uuid::text
      else (5000000000 + g)::text
    end as provider_event_id,
    'cus_' || lpad((r3 % 50000)::text, 6, '0') as customer,
    500 + r4 % 250000 as amount
  from shaped
), bodies as (
  select *,
    case provider
      when 'stripe' then customer
      when 'github' then 'octo-org/repo-' || (r3 % 2000)
      else 'order-' || (r3 % 200000)
    end as partition_key,
    case provider
      when 'stripe' then jsonb_build_object(
        'id', provider_event_id, 'object', 'event', 'api_version', '2024-06-20', 'type', type, 'livemode', false,
        'created', extract(epoch from received_at)::bigint, 'request', jsonb_build_object('id', 'req_' || substr(md5('req' || g), 1, 14)),
        'data', jsonb_build_object('object', jsonb_build_object(
          'id', 'in_' || substr(md5('in' || g), 1, 24), 'object', split_part(type, '.', 1), 'customer', customer,
          'customer_email', customer || '@example.com', 'amount_due', amount, 'amount_paid', amount, 'currency', 'eur',
          'status', 'paid', 'description', text, 'billing_reason', 'subscription_cycle',
          'subscription', 'sub_' || substr(md5('sub' || r3), 1, 16),
          'metadata', jsonb_build_object('account', 'acct_' || (r6 % 900), 'region', (array['eu-west','us-east','ap-south'])[1 + r6 % 3]),
          'lines', jsonb_build_object('object', 'list', 'has_more', false, 'data', jsonb_build_array(jsonb_build_object(
            'id', 'il_' || substr(md5('il' || g), 1, 12), 'amount', amount, 'currency', 'eur', 'description', text,
            'price', jsonb_build_object('id', 'price_' || (r4 % 40), 'product', 'prod_' || (r4 % 120), 'unit_amount', amount)))))))
      when 'github' then jsonb_build_object(
        'action', split_part(type, '.', 2), 'number', r4 % 5000,
        'repository', jsonb_build_object('id', r3 % 2000, 'full_name', 'octo-org/repo-' || (r3 % 2000), 'private', true, 'default_branch', 'main'),
        'sender', jsonb_build_object('login', 'dev-' || (r6 % 300), 'id', r6 % 300, 'type', 'User'),
        'installation', jsonb_build_object('id', 4242),
        'pull_request', jsonb_build_object('title', text, 'body', text || ' ' || text, 'state', 'open', 'head', jsonb_build_object('ref', 'feature/' || (r5 % 900))))
      else jsonb_build_object(
        'id', 5000000000 + g, 'email', customer || '@example.com', 'total_price', (amount / 100.0)::text, 'currency', 'EUR',
        'customer', jsonb_build_object('id', r3 % 50000, 'email', customer || '@example.com'), 'note', text,
        'line_items', jsonb_build_array(jsonb_build_object('title', text, 'quantity', 1 + r6 % 4, 'price', (amount / 100.0)::text)))
    end as payload
  from typed
)
insert into catalog_events (event_id, source, provider, provider_event_id, type, origin, received_at, provider_timestamp, verification_scheme,
  secret_index, content_type, headers, topic, partition, "offset", partition_key, trace_id, payload, payload_bytes, search)
select event_id, source, provider, provider_event_id, type,
  case when r6 % 100 < 97 then 'webhook' when r6 % 100 < 99 then 'reconciliation' else 'replay' end,
  received_at, received_at - interval '1 second', provider || '-v1', 0, 'application/json',
  jsonb_build_object('user-agent', provider || '-hookshot/1.0', 'content-type', 'application/json'),
  'webhooks.' || source, (r3 % 6)::int, g::text, partition_key, md5('trace' || g), payload, octet_length(payload::text),
  to_tsvector('simple', concat_ws(' ', type, translate(type, '._/', '   '), event_id, provider_event_id, source, partition_key))
    || jsonb_to_tsvector('simple', payload, '["string"]')
from bodies`;

const STATES = `
insert into consumer_event_states (consumer, event_key, event_id, topic, partition, "offset", state, attempts, last_error, processed_at, first_failure_at, duration_ms, updated_at)
select case when state = 'processed' then 'fulfillment' else '${FAILING_CONSUMER}' end, event_id, event_id, topic, partition, "offset", state,
  case when state = 'processed' then 1 else 5 end,
  case when state = 'processed' then null else 'slack answered 503' end,
  case when state = 'processed' then received_at + interval '40 milliseconds' end,
  case when state = 'processed' then null else received_at end,
  12.5, received_at + interval '1 second'
from (
  select e.*, case when "offset"::bigint % 100 <> 7 then 'processed'
    else (array['retrying','retrying','dead_lettered','dead_lettered','parked'])[1 + ("offset"::bigint / 100) % 5] end as state
  from catalog_events e
) as each_event`;

interface IndexDefinition {
  name: string;
  definition: string;
}

/** The indexes the migrations made on `table`, apart from its primary key. */
async function secondaryIndexes(db: Knex, table: string): Promise<IndexDefinition[]> {
  const result = await db.raw(
    `select indexname as name, indexdef as definition from pg_indexes
     where schemaname = current_schema() and tablename = ? and indexname not in (select conname from pg_constraint)`,
    [table],
  );
  return result.rows as IndexDefinition[];
}

export async function loadMillionEvents(db: Knex, count: number, say: (line: string) => void): Promise<void> {
  const indexes = [...(await secondaryIndexes(db, "catalog_events")), ...(await secondaryIndexes(db, "consumer_event_states"))];
  for (const index of indexes) await db.raw("drop index ??", [index.name]);
  const batch = 100_000;
  const started = performance.now();
  for (let from = 1; from <= count; from += batch) {
    const to = Math.min(count, from + batch - 1);
    await db.raw(ROWS, [from, to, count]);
    const seconds = (performance.now() - started) / 1000;
    say(`  ${to.toLocaleString("en")} of ${count.toLocaleString("en")} events inserted (${seconds.toFixed(0)} s, ${(to / seconds).toFixed(0)} rows/s)`);
  }
  await db.raw(STATES);
  say(`  consumer states: ${count.toLocaleString("en")} (1 % failing in ${FAILING_CONSUMER}) (${((performance.now() - started) / 1000).toFixed(0)} s)`);
  for (const index of indexes) {
    const indexStarted = performance.now();
    await db.transaction(async (trx) => {
      await trx.raw("set local maintenance_work_mem = '256MB'");
      await trx.raw(index.definition);
    });
    say(`  index ${index.name} rebuilt in ${((performance.now() - indexStarted) / 1000).toFixed(1)} s`);
  }
  // What autovacuum would have done to a table this size by now: statistics, and the visibility map for index-only scans.
  await db.raw("vacuum (analyze) catalog_events");
  await db.raw("vacuum (analyze) consumer_event_states");
}
