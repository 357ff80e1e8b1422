// The effects the consumers applied: what the stand-ins counted, and fulfillment's tasks in Postgres.
import { connectDatabase } from "@hooklog/db";
import { effectKey, type EffectTally } from "./effect-tally.ts";

/** Count per effect key: the stand-ins' tally and one `task:<order>` per fulfillment_tasks row. */
export async function appliedEffects(tally: EffectTally, databaseUrl: string): Promise<Map<string, number>> {
  const applied = new Map(tally.entries());
  const db = connectDatabase(databaseUrl, { applicationName: "hooklog-faults", poolMax: 1 });
  try {
    const rows = (await db("fulfillment_tasks").select("order_id").count({ rows: "*" }).groupBy("order_id")) as Array<{ order_id: string; rows: string | number }>;
    for (const row of rows) applied.set(effectKey.task(row.order_id), Number(row.rows));
  } finally {
    await db.destroy();
  }
  return applied;
}
