import { randomFillSync } from "node:crypto";

// Random bytes are drawn from the CSPRNG in blocks: one call per 256 ids instead of one per id
// (a synchronous randomBytes(16) per event showed up in ingest's profile).
const POOL_IDS = 256;
const pool = Buffer.alloc(POOL_IDS * 10);
let used = POOL_IDS;

/** UUID version 7 (RFC 9562): time-ordered, so hub event ids sort by acceptance time. */
export function newEventId(now: number = Date.now()): string {
  if (used === POOL_IDS) {
    randomFillSync(pool);
    used = 0;
  }
  const random = pool.subarray(used * 10, used * 10 + 10);
  used += 1;
  const bytes = Buffer.allocUnsafe(16);
  bytes.writeUIntBE(now, 0, 6);
  random.copy(bytes, 6);
  bytes[6] = 0x70 | ((bytes[6] ?? 0) & 0x0f);
  bytes[8] = 0x80 | ((bytes[8] ?? 0) & 0x3f);
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
