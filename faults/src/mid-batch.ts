// "In the middle of a batch": the consumer kit applies a batch in one Postgres transaction, so a
// consumer is mid-batch while one of its connections has a transaction open.
import { connectDatabase } from "@hooklog/db";

/** Resolves true once a connection named `applicationName` is inside a transaction; false after `timeoutMs`. */
export async function untilMidBatch(databaseUrl: string, applicationName: string, timeoutMs: number): Promise<boolean> {
  const db = connectDatabase(databaseUrl, { applicationName: "hooklog-faults", poolMax: 1 });
  try {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const { rows } = (await db.raw(
        "select count(*)::int as open from pg_stat_activity where application_name = ? and xact_start is not null and state in ('active', 'idle in transaction')",
        [applicationName],
      )) as { rows: Array<{ open: number }> };
      if ((rows[0]?.open ?? 0) > 0) return true;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return false;
  } finally {
    await db.destroy();
  }
}
