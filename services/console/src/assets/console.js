// The console's only script: actions (with the page's CSRF token), live events, copy, job progress.
// Pages work without it for reading; it is served by the console itself (no CDN).
const csrf = document.querySelector('meta[name="csrf-token"]')?.content ?? "";

async function call(method, url, body) {
  const response = await fetch(url, {
    method,
    headers: { "content-type": "application/json", "x-csrf-token": csrf, accept: "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let json;
  try {
    json = text ? JSON.parse(text) : {};
  } catch {
    json = { error: { message: text } };
  }
  if (!response.ok) throw new Error(json.error?.message ?? `${response.status} ${response.statusText}`);
  return json;
}

function say(button, text, problem = false) {
  const out = button.parentElement?.querySelector("[data-result]") ?? button.nextElementSibling;
  if (out && out.hasAttribute("data-result")) {
    out.textContent = text;
    out.classList.toggle("problem", problem);
  } else if (problem) alert(text);
}

function bodyOf(button) {
  if (button.dataset.form) {
    const form = document.getElementById(button.dataset.form);
    if (form) return Object.fromEntries(new FormData(form).entries());
  }
  return button.dataset.body ? JSON.parse(button.dataset.body) : {};
}

async function followJob(button, jobUrl) {
  for (;;) {
    const job = await call("GET", jobUrl);
    say(button, job.summary ?? `${job.done} of ${job.total}`);
    if (job.state !== "running") {
      if (job.state === "failed") say(button, job.summary ?? job.error ?? "failed", true);
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  event.preventDefault();
  if (button.dataset.confirm && !confirm(button.dataset.confirm)) return;
  const [method, url] = button.dataset.action.split(" ");
  button.disabled = true;
  say(button, "working...");
  try {
    const result = await call(method, url, bodyOf(button));
    if (result.job) {
      await followJob(button, result.job);
    } else {
      say(button, result.summary ?? "done");
      if (button.dataset.reload !== undefined) setTimeout(() => location.reload(), 400);
    }
  } catch (error) {
    say(button, error.message, true);
  } finally {
    button.disabled = false;
  }
});

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const target = document.getElementById(button.dataset.copy);
  if (!target) return;
  await navigator.clipboard.writeText(target.dataset.text ?? target.textContent ?? "");
  button.textContent = "copied";
  setTimeout(() => (button.textContent = "copy"), 1500);
});

// Live events: new rows arrive at the top while the page is scrolled to its top; once scrolled,
// they are counted instead, and shown when the user comes back up.
const live = document.querySelector("[data-live]");
if (live && "EventSource" in window) {
  const body = live.querySelector("tbody");
  const status = document.querySelector("[data-live-status]");
  const held = [];
  const show = () => {
    for (const row of held.splice(0).reverse()) body.prepend(row);
    if (status) status.textContent = "following new events";
  };
  const source = new EventSource(live.dataset.live);
  source.addEventListener("event", (message) => {
    const { html } = JSON.parse(message.data);
    const template = document.createElement("template");
    template.innerHTML = html.trim();
    const row = template.content.firstElementChild;
    if (!row || (row.id && document.getElementById(row.id))) return;
    row.classList.add("new");
    held.unshift(row);
    if (window.scrollY < 40) show();
    else if (status) status.textContent = `${held.length} new event(s) above: scroll to the top to see them`;
  });
  source.addEventListener("error", () => status && (status.textContent = "reconnecting..."));
  source.addEventListener("open", () => status && held.length === 0 && (status.textContent = "following new events"));
  window.addEventListener("scroll", () => window.scrollY < 40 && held.length > 0 && show());
}
