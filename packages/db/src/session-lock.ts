import type { Knex } from "knex";
import { pinConnection, type PinnedConnection } from "./connection.ts";

/** A Postgres session-level advisory lock, held on a connection of its own until release(). */
export interface SessionLock {
  release(): Promise<void>;
}

const STATEMENTS = {
  // pg_advisory_lock returns void: one row once the lock is ours.
  wait: "select true as locked from pg_advisory_lock($1::bigint)",
  try: "select pg_try_advisory_lock($1::bigint) as locked",
} as const;

/**
 * Takes the advisory lock `key` unless another session holds it (then undefined). A session lock
 * lives as long as its connection, so the connection stays out of the pool until release().
 */
export function trySessionLock(db: Knex, key: bigint): Promise<SessionLock | undefined> {
  return take(db, key, "try");
}

/** Waits for the advisory lock `key`, runs `work` and frees the lock however `work` ends. */
export async function withSessionLock<T>(db: Knex, key: bigint, work: () => Promise<T>): Promise<T> {
  const lock = await take(db, key, "wait");
  try {
    return await work();
  } finally {
    await lock.release();
  }
}

// Waiting returns only once the lock is held, so "wait" always gives a lock.
function take(db: Knex, key: bigint, mode: "wait"): Promise<SessionLock>;
function take(db: Knex, key: bigint, mode: "try"): Promise<SessionLock | undefined>;
async function take(db: Knex, key: bigint, mode: keyof typeof STATEMENTS): Promise<SessionLock | undefined> {
  const pinned = await pinConnection(db);
  let locked = false;
  try {
    const { rows } = await pinned.connection.query({ text: STATEMENTS[mode], values: [key.toString()] });
    locked = (rows[0] as { locked?: boolean } | undefined)?.locked === true;
  } finally {
    if (!locked) await pinned.release();
  }
  return locked ? held(pinned, key) : undefined;
}

function held(pinned: PinnedConnection, key: bigint): SessionLock {
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      let unlocked = false;
      try {
        await pinned.connection.query({ text: "select pg_advisory_unlock($1::bigint)", values: [key.toString()] });
        unlocked = true;
      } finally {
        // A connection that may still hold the lock must not go back to the pool: closing it frees the lock.
        await pinned.release({ discard: !unlocked });
      }
    },
  };
}
