import knexFactory, { type Knex } from "knex";

export type { Knex };

/** The one way a service opens Postgres. */
export function connectDatabase(url: string, options: { poolMax?: number; applicationName?: string; synchronousCommit?: boolean } = {}): Knex {
  return knexFactory({
    client: "pg",
    connection: {
      connectionString: url,
      application_name: options.applicationName ?? "hooklog",
      // For data that only saves work (a dedup ledger): a commit need not wait for the disk.
      ...(options.synchronousCommit === false ? { options: "-c synchronous_commit=off" } : {}),
    },
    pool: { min: 0, max: options.poolMax ?? 10 },
    acquireConnectionTimeout: 10_000,
  });
}
