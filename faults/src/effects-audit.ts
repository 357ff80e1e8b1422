// The effects the consumers applied: what the stand-ins counted, and fulfillment's tasks in Postgres.
import { connectDatabase } from "@hooklog/db";
import { effectKey, type AppliedTimes } from "./effect-tally.ts";
import type { StandIns } from "./stand-ins.ts";

export interface Applied {
  /** Count per effect key: the stand-ins' and one `task:<order>` per fulfillment_tasks row. */
  counts: Map<string, number>;
  /** When the stand-ins saw each of theirs. */
  times: AppliedTimes;
}

export async function appliedEffects(standIns: StandIns, databaseUrl: string): Promise<Applied> {
  const times = await standIns.applied();
  const applied = new Map([...times].map(([key, at]) => [key, at.length]));
  const db = connectDatabase(databaseUrl, { applicationName: "hooklog-faults", poolMax: 1 });
  try {
    const rows = (await db("fulfillment_tasks").select("order_id").count({ rows: "*" }).groupBy("order_id")) as Array<{
      order_id: string;
      rows: string | number;
    }>;
    for (const row of rows) applied.set(effectKey.task(row.order_id), Number(row.rows));
  } finally {
    await db.destroy();
  }
  return { counts: applied, times };
}
