import type { Caller } from "../auth/guard.ts";
import { type Html, html } from "../html.ts";

export const SECTIONS = [
  ["events", "Events"],
  ["deliveries", "Deliveries"],
  ["consumers", "Consumers"],
  ["sources", "Sources"],
  ["reconciliation", "Reconciliation"],
] as const;

export type Section = (typeof SECTIONS)[number][0];

/** Every signed-in page: the sections, who is signed in, sign-out; the page's CSRF token for the script's actions. */
export function layout(page: { title: string; section: Section | undefined; caller: Caller; body: Html }): string {
  const csrf = page.caller.via === "session" ? page.caller.session.csrfToken : "";
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${csrf}">
<title>${page.title} · Hooklog</title>
<link rel="stylesheet" href="/assets/console.css">
<script type="module" src="/assets/console.js"></script>
</head>
<body>
<header class="top">
  <a class="brand" href="/events">Hooklog</a>
  <nav>${SECTIONS.map(([section, label]) => html`<a href="/${section}"${page.section === section ? html` aria-current="page"` : ""}>${label}</a>`)}</nav>
  <form class="signout" method="post" action="/signout">
    <span>signed in as <b data-testid="actor">${page.caller.actor}</b></span>
    <input type="hidden" name="_csrf" value="${csrf}">
    <button type="submit">Sign out</button>
  </form>
</header>
<main>
<h1>${page.title}</h1>
${page.body}
</main>
</body>
</html>
`.text;
}

/** The sign-in page: a token, nothing else. */
export function signInPage(options: { next: string; problem?: string | undefined }): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Hooklog</title>
<link rel="stylesheet" href="/assets/console.css">
</head>
<body class="signin">
<main>
<h1>Hooklog console</h1>
<form method="post" action="/signin">
  <label for="token">Admin token</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
  <input type="hidden" name="next" value="${options.next}">
  ${options.problem ? html`<p class="problem" role="alert">${options.problem}</p>` : ""}
  <button type="submit">Sign in</button>
  <p class="hint">A token of HOOKLOG_ADMIN_TOKENS. <code>npm start</code> prints where the development token is kept.</p>
</form>
</main>
</body>
</html>
`.text;
}

/** A time as the pages show it: UTC, to the second, in a <time> element the script turns local. */
export function when(value: Date | string | number | null | undefined): Html {
  if (value === null || value === undefined) return html`<span class="none">-</span>`;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return html`<span class="none">-</span>`;
  return html`<time datetime="${date.toISOString()}">${date.toISOString().replace("T", " ").slice(0, 19)}Z</time>`;
}
