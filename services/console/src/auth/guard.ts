import { timingSafeEqual } from "node:crypto";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Session, SessionStore } from "./sessions.ts";
import type { TokenCheck } from "./tokens.ts";

export const SESSION_COOKIE = "hooklog_console";

/** Who is asking, and how: a Bearer token (the API), or a signed-in session (the pages). */
export type Caller = { actor: string; via: "bearer" } | { actor: string; via: "session"; session: Session };

export type Refusal = "missing" | "malformed" | "not_accepted" | "csrf_failed";

const bearer = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;
const UNSAFE = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function cookieValue(request: Request, name: string): string | undefined {
  for (const part of (request.header("cookie") ?? "").split(";")) {
    const [key, ...rest] = part.trim().split("=");
    if (key === name) return rest.join("=");
  }
  return undefined;
}

const sameText = (a: string, b: string): boolean => {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
};

/** The caller of a request, or why there is none. A Bearer header is judged alone: a cookie never rescues a wrong token. */
export function identify(request: Request, deps: { tokens: TokenCheck; sessions: SessionStore }): Caller | { refusal: Refusal } {
  const authorization = request.header("authorization")?.trim();
  if (authorization) {
    const token = bearer.exec(authorization)?.[1];
    if (token === undefined) return { refusal: "malformed" };
    const actor = deps.tokens(token);
    return actor === undefined ? { refusal: "not_accepted" } : { actor, via: "bearer" };
  }
  const session = deps.sessions.find(cookieValue(request, SESSION_COOKIE));
  if (!session) return { refusal: "missing" };
  // A session is carried by a cookie the browser sends on its own: an action must also show the
  // token only the console's own page knows (SameSite=Strict is the first guard, this the second).
  if (UNSAFE.has(request.method)) {
    const presented = request.header("x-csrf-token") ?? (request.body as { _csrf?: unknown } | undefined)?._csrf;
    if (typeof presented !== "string" || !sameText(presented, session.csrfToken)) return { refusal: "csrf_failed" };
  }
  return { actor: session.actor, via: "session", session };
}

const MESSAGES: Record<Refusal, string> = {
  missing: "Sign in, or send Authorization: Bearer <admin token>.",
  malformed: "The Authorization header must be Bearer <token>.",
  not_accepted: "The admin token was not accepted.",
  csrf_failed: "The action did not carry the page's CSRF token (x-csrf-token): reload the page and try again.",
};

export type OnRefusal = (refusal: Refusal, request: Request) => void;

/** The API's guard: 401 (or 403 for a missing CSRF token) with the project's error shape. */
export function apiGuard(deps: { tokens: TokenCheck; sessions: SessionStore; onRefusal: OnRefusal }): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    const caller = identify(request, deps);
    if ("refusal" in caller) {
      deps.onRefusal(caller.refusal, request);
      if (caller.refusal === "csrf_failed") {
        response.status(403).json({ error: { code: "csrf_failed", message: MESSAGES.csrf_failed } });
        return;
      }
      response.setHeader("WWW-Authenticate", caller.refusal === "not_accepted" ? 'Bearer realm="hooklog", error="invalid_token"' : 'Bearer realm="hooklog"');
      response.status(401).json({ error: { code: "unauthorized", message: MESSAGES[caller.refusal] } });
      return;
    }
    response.locals.caller = caller;
    next();
  };
}

/** The pages' guard: to the sign-in page (and back here after it) without a session; 403 for an action without its CSRF token. */
export function pageGuard(deps: { tokens: TokenCheck; sessions: SessionStore; onRefusal: OnRefusal }): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    const caller = identify(request, deps);
    if ("refusal" in caller) {
      deps.onRefusal(caller.refusal, request);
      if (caller.refusal === "csrf_failed") {
        response.status(403).type("text/plain").send(MESSAGES.csrf_failed);
        return;
      }
      response.redirect(303, `/signin?next=${encodeURIComponent(request.originalUrl)}`);
      return;
    }
    response.locals.caller = caller;
    next();
  };
}

export const callerOf = (response: Response): Caller => response.locals.caller as Caller;

/** A `next` the sign-in page may send the browser back to: a path of this console, never another site's. */
export function safeNext(value: unknown): string {
  return typeof value === "string" && value.startsWith("/") && !value.startsWith("//") && !value.startsWith("/\\") ? value : "/events";
}
