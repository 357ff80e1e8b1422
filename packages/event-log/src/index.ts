export { EventAppender } from "./appender.ts";
export type { AppendOptions, Appended, NewEvent } from "./appender.ts";
export { GroupCommit } from "./group-commit.ts";
export { EventLogWriter } from "./writer.ts";
export type { BatchTiming, EventLogWriterOptions, LogEntry, WriteOutcome } from "./writer.ts";
export { newEventId } from "./event-id.ts";
export { eventLogMigrations } from "./migrations/index.ts";
export { EventLogError } from "./errors.ts";
export type { EventLogErrorCode } from "./errors.ts";
