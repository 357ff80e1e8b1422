import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { ALICE, BOB, type ConsoleUnderTest, signIn, startConsole } from "./harness.ts";

describe("the console's credential", () => {
  let console_: ConsoleUnderTest;
  before(async () => {
    console_ = await startConsole();
  });
  after(async () => {
    await console_.close();
  });

  const api = (path: string, init: RequestInit = {}) => fetch(`${console_.url}${path}`, { redirect: "manual", ...init });

  it("answers the API 401 with no token, a malformed header or a token not accepted, saying what to send", async () => {
    for (const headers of [{}, { authorization: "Basic abc" }, { authorization: "Bearer hla_not-a-token-of-ours-000" }]) {
      const response = await api("/api/events", { headers });
      assert.equal(response.status, 401, JSON.stringify(headers));
      assert.match(response.headers.get("www-authenticate") ?? "", /^Bearer realm="hooklog"/);
      const body = (await response.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, "unauthorized");
      assert.doesNotMatch(body.error.message, /hla_/);
    }
  });

  it("takes any listed token as a Bearer token", async () => {
    for (const { token } of [ALICE, BOB]) {
      const response = await api("/api/events?limit=1", { headers: { authorization: `Bearer ${token}` } });
      assert.equal(response.status, 200);
    }
  });

  it("refuses a token rotated out of HOOKLOG_ADMIN_TOKENS, by the API and at sign-in", async () => {
    const rotated = await startConsole({ tokens: [BOB] });
    try {
      const response = await fetch(`${rotated.url}/api/events`, { headers: { authorization: `Bearer ${ALICE.token}` } });
      assert.equal(response.status, 401);
      const signin = await fetch(`${rotated.url}/signin`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: ALICE.token }),
      });
      assert.equal(signin.status, 401);
      assert.equal(signin.headers.get("set-cookie"), null);
    } finally {
      await rotated.close();
    }
  });

  it("sends a page without a session to sign in, and back to the page after", async () => {
    const response = await api("/events?source=stripe");
    assert.equal(response.status, 303);
    assert.equal(response.headers.get("location"), `/signin?next=${encodeURIComponent("/events?source=stripe")}`);
  });

  it("signs in with a session cookie that is HttpOnly and SameSite=Strict, named for the token's holder", async () => {
    const response = await api("/signin", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ token: ALICE.token, next: "/consumers" }),
    });
    assert.equal(response.status, 303);
    assert.equal(response.headers.get("location"), "/consumers");
    const cookie = response.headers.get("set-cookie") ?? "";
    assert.match(cookie, /^hooklog_console=[A-Za-z0-9_-]{43};/);
    assert.match(cookie, /HttpOnly/i);
    assert.match(cookie, /SameSite=Strict/i);
    assert.doesNotMatch(cookie, /Secure/i, "plain HTTP on loopback: a Secure cookie would never be sent back");
    const page = await api("/events", { headers: { cookie: cookie.split(";")[0] ?? "" } });
    assert.equal(page.status, 200);
    assert.match(await page.text(), /signed in as <b data-testid="actor">alice<\/b>/);
  });

  it("marks the cookie Secure behind a TLS-terminating proxy it trusts", async () => {
    const behindProxy = await startConsole({ overrides: { trustProxy: true } });
    try {
      const response = await fetch(`${behindProxy.url}/signin`, {
        method: "POST",
        redirect: "manual",
        headers: { "content-type": "application/x-www-form-urlencoded", "x-forwarded-proto": "https" },
        body: new URLSearchParams({ token: ALICE.token }),
      });
      assert.match(response.headers.get("set-cookie") ?? "", /; Secure/i);
    } finally {
      await behindProxy.close();
    }
  });

  it("refuses an action of a session without its CSRF token (403), and takes it with the token", async () => {
    const { cookie, csrf } = await signIn(console_.url, ALICE.token);
    const path = "/api/events/00000000-0000-7000-8000-000000000000/consumers/fulfillment/redeliver";
    const without = await api(path, { method: "POST", headers: { cookie, "content-type": "application/json" }, body: "{}" });
    assert.equal(without.status, 403);
    assert.equal(((await without.json()) as { error: { code: string } }).error.code, "csrf_failed");
    const wrong = await api(path, {
      method: "POST",
      headers: { cookie, "x-csrf-token": `${csrf.slice(0, -1)}x`, "content-type": "application/json" },
      body: "{}",
    });
    assert.equal(wrong.status, 403);
    // Past the guard: the event is unknown to the consumer, which the action says.
    const withToken = await api(path, { method: "POST", headers: { cookie, "x-csrf-token": csrf, "content-type": "application/json" }, body: "{}" });
    assert.equal(withToken.status, 404);
  });

  it("signs out: the session no longer opens a page", async () => {
    const { cookie, csrf } = await signIn(console_.url, ALICE.token);
    const out = await api("/signout", {
      method: "POST",
      headers: { cookie, "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({ _csrf: csrf }),
    });
    assert.equal(out.status, 303);
    assert.match(out.headers.get("set-cookie") ?? "", /hooklog_console=;/);
    assert.equal((await api("/events", { headers: { cookie } })).status, 303);
  });

  it("never sends a next= to another site after sign-in", async () => {
    for (const next of ["//evil.example/x", "https://evil.example/", "/\\evil.example"]) {
      const response = await api("/signin", {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({ token: ALICE.token, next }),
      });
      assert.equal(response.headers.get("location"), "/events", next);
    }
  });

  it("serves its OpenAPI document, which names every API path the app serves", async () => {
    const document = (await (await api("/openapi.json")).json()) as { openapi: string; paths: Record<string, unknown> };
    assert.equal(document.openapi, "3.1.0");
    assert.ok(document.paths["/api/events"]);
    assert.ok(document.paths["/api/events/{eventId}/consumers/{consumer}/rerun"]);
  });
});
