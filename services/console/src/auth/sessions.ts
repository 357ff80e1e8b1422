import { randomBytes } from "node:crypto";

export interface Session {
  id: string;
  /** The admin token's name: every action of the session is recorded under it. */
  actor: string;
  /** Sent back with every action (header x-csrf-token or form field _csrf). */
  csrfToken: string;
  lastUsed: number;
}

/**
 * Signed-in sessions, in memory: a restart signs everyone out, and a token taken out of
 * HOOKLOG_ADMIN_TOKENS (which needs a restart) can no longer be used through a session it opened.
 */
export class SessionStore {
  readonly #sessions = new Map<string, Session>();
  readonly #idleMs: number;
  readonly #now: () => number;

  constructor(options: { idleMs: number; now?: () => number }) {
    this.#idleMs = options.idleMs;
    this.#now = options.now ?? Date.now;
  }

  open(actor: string): Session {
    this.#sweep();
    const session = { id: randomBytes(32).toString("base64url"), actor, csrfToken: randomBytes(32).toString("base64url"), lastUsed: this.#now() };
    this.#sessions.set(session.id, session);
    return session;
  }

  /** The live session of that id, its idle time restarted; undefined when unknown or idle too long. */
  find(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const session = this.#sessions.get(id);
    if (!session) return undefined;
    if (this.#now() - session.lastUsed > this.#idleMs) {
      this.#sessions.delete(id);
      return undefined;
    }
    session.lastUsed = this.#now();
    return session;
  }

  /** Whether the session is still open, without counting this as a use (a live stream asks every second). */
  isOpen(id: string): boolean {
    const session = this.#sessions.get(id);
    return session !== undefined && this.#now() - session.lastUsed <= this.#idleMs;
  }

  close(id: string): void {
    this.#sessions.delete(id);
  }

  #sweep(): void {
    const now = this.#now();
    for (const [id, session] of this.#sessions) if (now - session.lastUsed > this.#idleMs) this.#sessions.delete(id);
  }
}
