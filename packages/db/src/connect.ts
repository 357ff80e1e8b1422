import knexFactory, { type Knex } from "knex";

export type { Knex };

/** The one way a service opens Postgres. */
export function connectDatabase(url: string, options: { poolMax?: number; applicationName?: string } = {}): Knex {
  return knexFactory({
    client: "pg",
    connection: { connectionString: url, application_name: options.applicationName ?? "hooklog" },
    pool: { min: 0, max: options.poolMax ?? 10 },
    acquireConnectionTimeout: 10_000,
  });
}
