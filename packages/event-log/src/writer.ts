import { runPrepared, type Knex, type PreparedStatement } from "@hooklog/db";
import { isRecordTooLargeError, isUnknownTopicError, type LogProducer } from "@hooklog/kafka";
import { EventLogError } from "./errors.ts";
import { SIGNED_CONTENT_KEY_PREFIX, eventKeyProblem } from "./event-keys.ts";
import { GroupCommit } from "./group-commit.ts";
import { SideRecordQueue, type SideRecord, type SideRecordOptions } from "./side-records.ts";

/** One event for the log, with what the deduplication ledger keeps about it. */
export interface LogEntry {
  source: string;
  providerEventId: string;
  /**
   * SHA-256 (hex) of the signed content, when the signature does not cover providerEventId: the
   * ledger keeps it too, so the same signed content under another id is a duplicate.
   */
  replayDigest?: string;
  /** The hub's own id of the event (the envelope's `id`). */
  eventId: string;
  origin: string;
  topic: string;
  /** Partition key: the entity the event is about. */
  key: string;
  value: Buffer;
  headers: Record<string, string>;
  /**
   * A side record sent in the same produce request as the event, and only when the event itself is
   * sent (never for a duplicate): ingest's delivery record of an accepted request.
   */
  receipt?: SideRecord | undefined;
}

/** One batch: events submitted, events sent (the rest were duplicates), and seconds per round trip. */
export interface BatchTiming {
  size: number;
  sent: number;
  lookupSeconds: number;
  sendSeconds: number;
  recordSeconds: number;
}

/** `written`: Kafka has acknowledged the event. `duplicate`: the log already holds it; nothing was sent. */
export type WriteOutcome = "written" | "duplicate";

export interface EventLogWriterOptions {
  db: Knex;
  producer: LogProducer;
  /** How long an accepted id keeps answering duplicate (at least the providers' redelivery window). */
  retentionHours: number;
  /** At most this many events per batch. */
  maxBatch: number;
  /**
   * At most this many bytes of events per batch (default 1 MiB, Kafka's default record batch limit);
   * a larger event travels alone.
   */
  maxBatchBytes?: number;
  /** At most this many bytes queued or in flight; past it a write is refused (`overloaded`). Default unbounded. */
  maxPendingBytes?: number;
  /** Called after each batch that reached Kafka: how many events it held and where its time went. */
  onBatch?: (batch: BatchTiming) => void;
  /**
   * The events are in Kafka but the ledger did not record them: a redelivery may then be written twice
   * (consumers are idempotent). The writes still count as written.
   */
  onLedgerError: (error: unknown, entries: readonly LogEntry[]) => void;
  /** Side records (and entries' receipts) ride in the produce requests of events; without this none are sent. */
  sideRecords?: SideRecordOptions;
}

const MIB = 1024 * 1024;

/** A batch's outcome for one entry: what the write resolves to, or why Kafka did not take it. */
type EntryResult = WriteOutcome | { failed: unknown };

const entryBytes = (entry: LogEntry): number => entry.value.length + entry.key.length;

/** A ledger key (a provider event id, or a signed content's key) of one source, as the in-memory sets hold it. */
const dedupKey = (source: string, ledgerKey: string): string => `${source}\u0000${ledgerKey}`;

interface LedgerKey {
  source: string;
  key: string;
}

/** What the ledger keeps of an entry: its provider event id, and its signed content's key when the id is not signed. */
const ledgerKeysOf = (entry: LogEntry): LedgerKey[] =>
  entry.replayDigest === undefined
    ? [{ source: entry.source, key: entry.providerEventId }]
    : [
        { source: entry.source, key: entry.providerEventId },
        { source: entry.source, key: `${SIGNED_CONTENT_KEY_PREFIX}${entry.replayDigest}` },
      ];
const keysOf = (entry: LogEntry): string[] => ledgerKeysOf(entry).map(({ source, key }) => dedupKey(source, key));

// Planned once per connection; array parameters keep the text the same whatever the batch size.
const FIND_ACCEPTED: PreparedStatement = {
  name: "hooklog_ledger_find_accepted",
  text: `SELECT a.source, a.provider_event_id
           FROM accepted_events a
           JOIN unnest($1::text[], $2::text[]) AS wanted(source, provider_event_id)
             ON a.source = wanted.source AND a.provider_event_id = wanted.provider_event_id
          WHERE a.accepted_at >= now() - make_interval(hours => $3::int)`,
};
// A row past the retention window that purge has not reached yet is taken over by the new write, so
// the window restarts; a live row (a concurrent writer's) is kept.
const RECORD_ACCEPTED: PreparedStatement = {
  name: "hooklog_ledger_record_accepted",
  text: `INSERT INTO accepted_events AS a (source, provider_event_id, event_id, topic, origin)
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
         ON CONFLICT (source, provider_event_id) DO UPDATE
            SET event_id = excluded.event_id, topic = excluded.topic, origin = excluded.origin, accepted_at = now()
          WHERE a.accepted_at < now() - make_interval(hours => $6::int)`,
};

/**
 * Writes events to Kafka once per (source, provider event id) within the retention window, through
 * one ledger in Postgres that every writer of the log (ingest, reconciliation) shares.
 *
 * Events submitted while a batch is under way go together in the next one (group commit). A batch is
 * two round trips on the way to its answer whatever its size: look its ids up in the ledger, then send
 * the new events through the idempotent producer and wait for Kafka's acknowledgement. A write
 * resolves at that acknowledgement; the ledger record follows in the background, so the next batch
 * need not wait for it. The next batch is looked up while this one is sent, and sent after it; what
 * this one wrote is handed to it as duplicates, since its lookup could not see them. The ledger is written only after the ack, so a crash in between lets a
 * duplicate through but never hides an event. Until its record is committed, an acknowledged id is
 * held in memory, and every lookup consults that set before it asks Postgres: a redelivery to this
 * writer after its first copy was acknowledged is always found. Two writers (two ingest instances, or
 * ingest and reconciliation) given the same event at the same moment may both write it: the lookup
 * and the record are not one atomic step across processes, and a duplicate is what consumers already
 * absorb.
 */
export class EventLogWriter {
  readonly #db: Knex;
  readonly #producer: LogProducer;
  readonly #retentionHours: number;
  readonly #onLedgerError: EventLogWriterOptions["onLedgerError"];
  readonly #onBatch: EventLogWriterOptions["onBatch"];
  readonly #batches: GroupCommit<LogEntry, EntryResult>;
  /** Ids Kafka has acknowledged whose ledger record is not committed yet. */
  readonly #recording = new Set<string>();
  readonly #records = new Set<Promise<void>>();
  readonly #side: SideRecordQueue | undefined;
  #produceRequests = 0;
  /**
   * The dedup keys the latest batch wrote, once its send is over. The next batch, looked up while
   * that send was under way, awaits it before it sends: its turn, and the keys its lookup could not see.
   */
  #previousBatch: Promise<ReadonlySet<string>> = Promise.resolve(new Set());

  constructor(options: EventLogWriterOptions) {
    this.#db = options.db;
    this.#producer = options.producer;
    this.#retentionHours = options.retentionHours;
    this.#onLedgerError = options.onLedgerError;
    this.#onBatch = options.onBatch;
    this.#batches = new GroupCommit({
      maxBatch: options.maxBatch,
      maxBatchWeight: options.maxBatchBytes ?? MIB,
      ...(options.maxPendingBytes === undefined ? {} : { maxPendingWeight: options.maxPendingBytes }),
      weigh: entryBytes,
      // Two batches under way: one asks the ledger while the one before it is sent.
      maxInFlight: 2,
      commit: (entries, handOff) => this.#commit(entries, handOff),
    });
    const side = options.sideRecords;
    // Records sent alone go through their own producer, never the events': an event would queue behind them.
    if (side) this.#side = new SideRecordQueue(side, (records) => this.#produce([], records, side.producer));
  }

  /**
   * Queues a side record for the next produce request (an event batch's, or its own after the
   * linger); false when the queue is full. Its fate is told to `sideRecords.onSettled`.
   */
  addSideRecord(record: SideRecord): boolean {
    if (!this.#side) throw new Error("EventLogWriter: addSideRecord needs the sideRecords option");
    return this.#side.add(record);
  }

  /** Produce requests sent so far (events, side records or both), retries included. */
  get produceRequests(): number {
    return this.#produceRequests;
  }

  /**
   * Resolves once Kafka holds the event (or the ledger says it already did); rejects if Kafka refused
   * it, with an EventLogError when the writer is overloaded, when `signal` aborted before the event
   * was sent (`withdrawn`), or when Kafka refuses the event for its size. The ledger record of a
   * written event may still be under way: `drain()` waits for it.
   */
  async write(entry: LogEntry, signal?: AbortSignal): Promise<WriteOutcome> {
    const result = await this.#batches.submit(entry, signal);
    if (typeof result === "object") throw result.failed;
    return result;
  }

  /** Bytes of events queued or in flight now. */
  get pendingBytes(): number {
    return this.#batches.pendingWeight;
  }

  /** Whether a write of `bytes` more would be refused as overloaded now. */
  wouldOverload(bytes: number): boolean {
    return this.#batches.wouldOverload(bytes);
  }

  /** The ids among `providerEventIds` the ledger holds for `source`. */
  async findAccepted(source: string, providerEventIds: readonly string[]): Promise<Set<string>> {
    // An id the ledger cannot take was never accepted; asked for, it would fail the whole lookup.
    const askable = providerEventIds.filter((id) => eventKeyProblem(id, "id") === undefined);
    const accepted = await this.#accepted(askable.map((key) => ({ source, key })));
    return new Set(providerEventIds.filter((id) => accepted.has(dedupKey(source, id))));
  }

  /** Forgets ids older than the retention window; run periodically. */
  async purge(): Promise<number> {
    return this.#db("accepted_events")
      .where("accepted_at", "<", this.#db.raw(`now() - make_interval(hours => ?)`, [this.#retentionHours]))
      .delete();
  }

  /** Resolves once everything submitted so far is written (or failed) and its ledger record settled. */
  async drain(): Promise<void> {
    await this.#batches.drain();
    await this.#side?.flush();
    await Promise.all(this.#records);
  }

  /**
   * One batch: look its ids up in the ledger (meanwhile the batch before may still be on its way to
   * Kafka), hand off so the next batch can be looked up, wait for the batch before to be sent, then
   * send. Batches are sent one after the other, in the order they were taken.
   */
  async #commit(entries: LogEntry[], handOff: () => void): Promise<EntryResult[]> {
    const previous = this.#previousBatch;
    const next = Promise.withResolvers<ReadonlySet<string>>();
    this.#previousBatch = next.promise;
    let written: ReadonlySet<string> | undefined;
    try {
      return await this.#lookUpAndSend(entries, previous, handOff, (keys) => (written = keys));
    } finally {
      handOff();
      // Unless this batch wrote something, the next one needs what the batch before wrote, after it.
      next.resolve(written ?? previous);
    }
  }

  async #lookUpAndSend(
    entries: LogEntry[],
    previous: Promise<ReadonlySet<string>>,
    handOff: () => void,
    publish: (written: ReadonlySet<string>) => void,
  ): Promise<EntryResult[]> {
    const invalid = new Map<LogEntry, EventLogError>();
    for (const entry of entries) {
      const problem = eventKeyProblem(entry.providerEventId, "the provider event id");
      if (problem) invalid.set(entry, new EventLogError("invalid_event_key", problem));
    }
    // Copies of one event within a batch (by id, or by signed content): the first is the candidate,
    // the others share its fate.
    const candidateOf = new Map<LogEntry, LogEntry>();
    const firstByKey = new Map<string, LogEntry>();
    for (const entry of entries) {
      if (invalid.has(entry)) continue;
      const keys = keysOf(entry);
      const earlier = keys.map((key) => firstByKey.get(key)).find((found) => found !== undefined);
      candidateOf.set(entry, earlier ?? entry);
      if (!earlier) for (const key of keys) firstByKey.set(key, entry);
    }
    const candidates = entries.filter((entry) => candidateOf.get(entry) === entry);
    const started = performance.now();
    const acceptedKeys = await this.#accepted(candidates.flatMap(ledgerKeysOf)).catch((error: unknown) => {
      // Nothing is sent without the ledger's word: an event it holds would be written twice.
      throw new EventLogError("ledger_unavailable", `the deduplication ledger (Postgres) could not be read: ${(error as Error).message}`, { cause: error });
    });
    const looked = performance.now();
    handOff();
    // The batch before was sent while this one was looked up: what it wrote is a duplicate here.
    for (const key of await previous) acceptedKeys.add(key);
    const accepted = new Set(candidates.filter((entry) => keysOf(entry).some((key) => acceptedKeys.has(key))));
    const fresh = candidates.filter((entry) => !accepted.has(entry));
    const sending = performance.now();

    const failures = fresh.length > 0 ? await this.#sendWithSideRecords(fresh) : new Map<LogEntry, unknown>();
    const written = fresh.filter((entry) => !failures.has(entry));
    publish(new Set(written.flatMap(keysOf)));
    const timing = { size: entries.length, sent: written.length, lookupSeconds: (looked - started) / 1000, sendSeconds: (performance.now() - sending) / 1000 };
    if (written.length > 0) this.#record(written, timing);
    else this.#onBatch?.({ ...timing, sendSeconds: fresh.length > 0 ? timing.sendSeconds : 0, recordSeconds: 0 });

    return entries.map((entry) => {
      const refused = invalid.get(entry);
      if (refused) return { failed: refused };
      const candidate = candidateOf.get(entry) as LogEntry;
      // A copy is answered only as its candidate fared: never "duplicate" for an event Kafka did not take.
      if (failures.has(candidate)) return { failed: failures.get(candidate) };
      return candidate !== entry || accepted.has(candidate) ? "duplicate" : "written";
    });
  }

  /**
   * Sends `entries` with their receipts and the queued side records in one produce request. Should it
   * fail for a reason that may be the side records' (their topic gone), the events are sent again
   * without them; side records are never sent twice (metadata: a second try would hold the events up).
   */
  async #sendWithSideRecords(entries: readonly LogEntry[]): Promise<Map<LogEntry, unknown>> {
    const side = this.#side;
    const receipts = side ? entries.flatMap((entry) => (entry.receipt ? [entry.receipt] : [])) : [];
    const queued = side?.take() ?? [];
    if (!side || receipts.length + queued.length === 0) return this.#send(entries);
    try {
      await this.#produce(entries, [...receipts, ...queued]);
      side.settled([...receipts, ...queued], undefined);
      return new Map();
    } catch (error) {
      const failures = isRecordTooLargeError(error) || isUnknownTopicError(error) ? await this.#send(entries) : new Map(entries.map((entry) => [entry, error]));
      // A receipt whose event failed too is no loss: its request is answered, and recorded, as it failed.
      const lost = entries.flatMap((entry) => (entry.receipt && !failures.has(entry) ? [entry.receipt] : []));
      side.settled([...lost, ...queued], error);
      return failures;
    }
  }

  /** One produce request of `entries` and `side` records, each topic's messages together, through `producer`. */
  async #produce(entries: readonly LogEntry[], side: readonly SideRecord[], producer = this.#producer): Promise<void> {
    const byTopic = new Map<string, Array<{ key: string; value: Buffer; headers?: Record<string, string> }>>();
    const messages = [
      ...entries.map(({ topic, key, value, headers }) => ({ topic, message: { key, value, headers } })),
      ...side.map(({ topic, key, value }) => ({ topic, message: { key, value } })),
    ];
    for (const { topic, message } of messages) {
      const list = byTopic.get(topic);
      if (list) list.push(message);
      else byTopic.set(topic, [message]);
    }
    this.#produceRequests += 1;
    await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
  }

  /**
   * Sends `entries` in one produce request. When Kafka refuses some of them for a reason that is
   * theirs alone (a topic that does not exist, a record too large for its topic), the others are not
   * failed with them: the request is sent again in parts, by topic and then in halves, until each
   * refusal is pinned to its own events. Parts Kafka had appended are appended again, which
   * consumers absorb; the producer never reuses a sequence number after a failure (@hooklog/kafka).
   * Returns the entries that failed, with their error.
   */
  async #send(entries: readonly LogEntry[]): Promise<Map<LogEntry, unknown>> {
    const byTopic = new Map<string, LogEntry[]>();
    for (const entry of entries) {
      const list = byTopic.get(entry.topic);
      if (list) list.push(entry);
      else byTopic.set(entry.topic, [entry]);
    }
    try {
      await this.#produce(entries, []);
      return new Map();
    } catch (error) {
      const ownFault = isRecordTooLargeError(error) || isUnknownTopicError(error);
      if (entries.length === 1 && isRecordTooLargeError(error)) {
        const [entry] = entries as [LogEntry];
        return new Map([
          [entry, new EventLogError("record_too_large", `Kafka refuses a record of ${entryBytes(entry)} bytes for topic ${entry.topic}`, { cause: error })],
        ]);
      }
      if (!ownFault || entries.length === 1) return new Map(entries.map((entry) => [entry, error]));
      const half = Math.ceil(entries.length / 2);
      const parts = byTopic.size > 1 ? [...byTopic.values()] : [entries.slice(0, half), entries.slice(half)];
      const failures = new Map<LogEntry, unknown>();
      for (const part of parts) for (const [entry, failure] of await this.#send(part)) failures.set(entry, failure);
      return failures;
    }
  }

  /** The dedup keys among `wanted` that are held in memory or found in the ledger. */
  async #accepted(wanted: readonly LedgerKey[]): Promise<Set<string>> {
    // Read the in-memory set before the query starts: a key leaves it once its row is committed, so a
    // query started after that sees the row. Reading it after the answer could miss both.
    const accepted = new Set(wanted.map(({ source, key }) => dedupKey(source, key)).filter((key) => this.#recording.has(key)));
    const asked = wanted.filter(({ source, key }) => !accepted.has(dedupKey(source, key)));
    if (asked.length === 0) return accepted;
    const rows = await runPrepared<{ source: string; provider_event_id: string }>(this.#db, FIND_ACCEPTED, [
      asked.map((wanted) => wanted.source),
      asked.map((wanted) => wanted.key),
      this.#retentionHours,
    ]);
    for (const row of rows) accepted.add(dedupKey(row.source, row.provider_event_id));
    return accepted;
  }

  /** Records acknowledged events in the ledger, holding their ids in memory until the row is committed. */
  #record(fresh: readonly LogEntry[], timing: Omit<BatchTiming, "recordSeconds">): void {
    const rows = fresh.flatMap((entry) => ledgerKeysOf(entry).map((ledgerKey) => ({ ...ledgerKey, entry })));
    const keys = rows.map(({ source, key }) => dedupKey(source, key));
    for (const key of keys) this.#recording.add(key);
    const started = performance.now();
    const record: Promise<void> = runPrepared(this.#db, RECORD_ACCEPTED, [
      rows.map((row) => row.source),
      rows.map((row) => row.key),
      rows.map((row) => row.entry.eventId),
      rows.map((row) => row.entry.topic),
      rows.map((row) => row.entry.origin),
      this.#retentionHours,
    ])
      .then(
        () => this.#onBatch?.({ ...timing, recordSeconds: (performance.now() - started) / 1000 }),
        // The events are in Kafka: a failed record costs at most a duplicate later, so they stay written.
        (error: unknown) => this.#onLedgerError(error, fresh),
      )
      .finally(() => {
        for (const key of keys) this.#recording.delete(key);
        this.#records.delete(record);
      });
    this.#records.add(record);
  }
}
