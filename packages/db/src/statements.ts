/** Postgres takes at most 65 535 bind parameters in one statement; the rest is room for the statement's own. */
const ROW_PARAMETERS = 60_000;

/**
 * Writes `rows` in as few multi-row statements as Postgres's bind-parameter limit allows, one after
 * the other: a backlog read in one batch can hold far more rows than one statement takes. A row's
 * parameters are the columns of all the rows together, as knex's multi-row insert writes them.
 */
export async function inStatements<Row extends object>(rows: readonly Row[], write: (chunk: Row[]) => Promise<void>): Promise<void> {
  const columns = new Set(rows.flatMap((row) => Object.keys(row))).size;
  const size = Math.max(1, Math.floor(ROW_PARAMETERS / Math.max(1, columns)));
  for (let from = 0; from < rows.length; from += size) await write(rows.slice(from, from + size));
}
