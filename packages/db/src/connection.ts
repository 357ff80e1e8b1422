import type { Knex } from "knex";

/** The raw pg connection knex pools, as far as Hooklog uses it. */
export interface PgConnection {
  query(config: { name?: string; text: string; values?: readonly unknown[] }): Promise<{ rows: unknown[] }>;
  end(): Promise<void>;
}

/** A connection out of knex's pool, lent until release(). */
export interface PinnedConnection {
  readonly connection: PgConnection;
  /** Back to the pool; with `discard` the connection is closed first, ending its session and whatever the session held. */
  release(options?: { discard?: boolean }): Promise<void>;
}

// knex types its Client as `any`; these two methods lend and take back the raw pg connection.
interface PoolingClient {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<void>;
}

/**
 * The one place that reaches into knex's pool: for what must run on one session (a session lock,
 * a named prepared statement). A closed connection is marked disposed by knex's pg dialect, so
 * the pool drops it instead of lending it again.
 */
export async function pinConnection(db: Knex): Promise<PinnedConnection> {
  const client = db.client as PoolingClient;
  const connection = (await client.acquireConnection()) as PgConnection;
  let released = false;
  return {
    connection,
    release: async ({ discard = false } = {}) => {
      if (released) return;
      released = true;
      try {
        if (discard) await connection.end();
      } finally {
        await client.releaseConnection(connection);
      }
    },
  };
}

/** Runs `work` on one pooled connection of its own, returned to the pool however `work` ends. */
export async function withConnection<T>(db: Knex, work: (connection: PgConnection) => Promise<T>): Promise<T> {
  const pinned = await pinConnection(db);
  try {
    return await work(pinned.connection);
  } finally {
    await pinned.release();
  }
}
