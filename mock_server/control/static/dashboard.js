// sora-mock dashboard: polls the control API once a second and renders one page of jobs
// (filtered by provider, model, tenant, state or text), the ledger, faults and the API
// traffic in the journal. Clips play on demand. No framework, no network beyond this server.
"use strict";

const POLL_MS = 1000;
const hash = new URLSearchParams(location.hash.slice(1));
if (hash.get("token")) sessionStorage.setItem("soraMockToken", hash.get("token"));
const $ = (id) => document.getElementById(id);
const rows = new Map(); // job id -> {row, player, state}
const players = new Map(); // job id -> the <video> elements, kept while the job is open
const view = { page: 0, size: 25, filters: {}, q: "" };
const MAX_TENANTS = 20;

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (k === "dataset") Object.assign(node.dataset, v);
    else if (k in node) node[k] = v;
    else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : String(c ?? ""));
  return node;
}

async function api(path, options = {}) {
  const headers = { "Content-Type": "application/json" };
  const token = sessionStorage.getItem("soraMockToken");
  if (token) headers.Authorization = "Bearer " + token;
  const res = await fetch("/_emulator/" + path, { ...options, headers });
  if (res.status === 401) {
    $("token-form").hidden = false;
    throw new Error("the control API needs the admin token");
  }
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(body.message || res.statusText);
  return body;
}

function post(path, body) {
  return api(path, { method: "POST", body: JSON.stringify(body || {}) });
}

function say(message) { $("status").textContent = message || ""; }

async function act(fn) {
  try { await fn(); say(""); } catch (err) { say(err.message); }
  await refresh();
}

function renderClock(clock) {
  $("clock-now").textContent = clock.iso;
  $("clock-kind").textContent = clock.kind === "manual" ? "manual clock" : `scaled ×${clock.speed}`;
  $("speed-form").hidden = clock.kind !== "scaled";
}

function togglePlayer(job) {
  if (players.has(job.id)) {
    players.delete(job.id);
    rows.get(job.id)?.player.replaceChildren();
  }
  else players.set(job.id, job.outputs.map((o) => el("video", {
    controls: true, preload: "metadata", src: o.media_url, dataset: { jobId: job.id } })));
  refresh();
}

function actions(job) {
  const box = el("div", { className: "actions" });
  if (job.state === "queued" || job.state === "running") {
    box.append(el("button", { type: "button", dataset: { action: "complete" },
      onclick: () => act(() => post(`jobs/${job.id}/complete`)) }, "Complete"));
    const kind = el("select", { "aria-label": "failure kind" },
      ...["moderation", "timeout", "provider"].map((k) => el("option", { value: k }, k)));
    box.append(kind, el("button", { type: "button", dataset: { action: "fail" },
      onclick: () => act(() => post(`jobs/${job.id}/fail`, { kind: kind.value })) }, "Fail"));
  } else if (job.state === "succeeded" && job.outputs.length) {
    box.append(el("button", { type: "button", dataset: { action: "play" },
      onclick: () => togglePlayer(job) }, players.has(job.id) ? "Hide clip" : "Play clip"));
  }
  return box;
}

function money(value, job) {
  if (value === null || value === undefined)
    return el("span", { className: "muted", title: "held until the job ends" }, "held");
  return el("span", { className: value === "0.00" && job.state !== "succeeded" ? "muted" : "" }, "$" + value);
}

function renderJob(job) {
  let entry = rows.get(job.id);
  if (!entry) {
    entry = { row: el("tr", { dataset: { jobId: job.id } }), player: el("tr", { className: "player" }), key: null };
    rows.set(job.id, entry);
  }
  const { row } = entry;
  const progress = el("div", { className: "bar", title: job.progress + " %" });
  progress.append(el("div", { style: `width:${job.progress}%` }));
  const stateCell = el("td", {}, el("span", { className: "state " + job.state, dataset: { testid: "state" } }, job.state));
  if (job.failure) stateCell.append(el("div", { className: "failure" }, `${job.failure.kind}: ${job.failure.message}`));
  const key = job.state + "|" + players.has(job.id);
  row.replaceChildren(
    el("td", {}, el("code", { title: job.id }, job.id.slice(0, 8)), el("div", { className: "muted small prompt", title: job.prompt }, job.prompt)),
    el("td", {}, job.provider),
    el("td", { title: job.model }, job.title, el("div", { className: "muted small" }, `${job.size} · ${job.seconds} s`)),
    el("td", {}, job.tenant_label),
    stateCell,
    el("td", {}, job.queue_position ?? "–"),
    el("td", {}, progress),
    el("td", { dataset: { testid: "quoted" } }, "$" + job.quoted),
    el("td", { dataset: { testid: "charged" } }, money(job.charged, job)),
    el("td", {}, entry.key === key && entry.actions ? entry.actions : (entry.actions = actions(job))),
  );
  entry.key = key;
  const videos = players.get(job.id);
  if (videos && !entry.player.querySelector("video")) entry.player.replaceChildren(el("td", { colSpan: 10 }, ...videos));
  return videos ? [row, entry.player] : [row];
}

function fillFilter(select, choices, current) {
  const options = [el("option", { value: "" }, "all")];
  for (const [value, count] of choices) options.push(el("option", { value, selected: value === current }, `${value} (${count})`));
  if (current && !choices.some(([v]) => v === current)) options.push(el("option", { value: current, selected: true }, `${current} (0)`));
  if (document.activeElement !== select) select.replaceChildren(...options);
}

function renderJobs(data) {
  for (const select of document.querySelectorAll("[data-filter]")) {
    const name = select.dataset.filter;
    fillFilter(select, data.facets[name], view.filters[name] || "");
  }
  const body = $("jobs").tBodies[0];
  body.replaceChildren(...data.jobs.flatMap(renderJob));
  for (const id of [...rows.keys()]) if (!data.jobs.some((j) => j.id === id)) rows.delete(id);
  view.page = data.page;
  $("no-jobs").hidden = data.total > 0;
  $("job-count").textContent = data.matched === data.total ? `(${data.total})` : `(${data.matched} of ${data.total})`;
  $("page-info").textContent = data.matched
    ? `page ${data.page + 1} of ${data.pages} · ${data.matched} matching` : "no job matches these filters";
  $("page-prev").disabled = data.page <= 0;
  $("page-next").disabled = data.page >= data.pages - 1;
}

function renderLedger(ledger) {
  $("ledger-total").textContent = `total $${ledger.total}`;
  const box = $("ledger");
  const tenants = ledger.tenants.slice(0, MAX_TENANTS);
  box.replaceChildren(...tenants.map((t) => {
    const table = el("table", { className: "small" },
      el("thead", {}, el("tr", {}, ...["model", "jobs", "video s", "amount"].map((h) => el("th", {}, h)))),
      el("tbody", {}, ...t.by_model.map((m) => el("tr", {},
        el("td", {}, m.model), el("td", {}, m.jobs), el("td", {}, m.video_seconds), el("td", {}, "$" + m.amount)))));
    return el("div", { className: "tenant", dataset: { tenant: t.label } },
      el("strong", {}, t.label), " ",
      el("span", { className: "muted" }, `balance ${t.balance === null ? "unlimited" : "$" + t.balance} · held $${t.held} · spent $${t.spent}`),
      t.by_model.length ? table : el("div", { className: "muted small" }, "nothing charged yet"));
  }));
  if (ledger.tenants.length > MAX_TENANTS)
    box.append(el("p", { className: "muted" }, `and ${ledger.tenants.length - MAX_TENANTS} more tenants (GET /_emulator/ledger)`));
  if (!ledger.tenants.length) box.append(el("p", { className: "muted" }, "No tenants yet."));
}

function renderJournal(journal) {
  $("journal").tBodies[0].replaceChildren(...journal.entries.map((e) => el("tr", {},
    el("td", {}, e.time.slice(11, 23)), el("td", {}, e.method), el("td", {}, el("code", {}, e.path)),
    el("td", {}, e.dropped ? "dropped" : e.status), el("td", {}, e.provider || ""),
    el("td", {}, e.operation || ""), el("td", {}, e.tenant_label || ""), el("td", {}, e.duration_ms))));
}

function renderFaults(f) {
  const lines = [];
  for (const s of f.scripts) lines.push(`script ${s.operation}: ${s.steps.join(" | ")}`);
  for (const a of f.armed) lines.push(`armed ${a.fault} ×${a.remaining} (${a.provider})`);
  const c = f.chaos;
  if (c.error_rate || c.drop_rate || c.latency_rate || c.job_failure_rate)
    lines.push(`chaos error ${c.error_rate} drop ${c.drop_rate} latency ${c.latency_rate} fail ${c.job_failure_rate}`);
  const w = f.webhooks;
  if (w.duplicates || w.delay_seconds || w.disorder_seconds)
    lines.push(`webhooks duplicates ${w.duplicates} delay ${w.delay_seconds}s disorder ${w.disorder_seconds}s`);
  $("faults").textContent = lines.join("\n") || "No faults planned.";
}

function jobsQuery() {
  const params = new URLSearchParams({ page: view.page, size: view.size });
  for (const [k, v] of Object.entries(view.filters)) if (v) params.set(k, v);
  if (view.q) params.set("q", view.q);
  return "ui/jobs?" + params;
}

let busy = false;
let again = false;
async function refresh() {
  if (busy) { again = true; return; }
  busy = true;
  try {
    const media = $("journal-media").checked ? 1 : 0;
    const asked = jobsQuery();
    const [clock, jobs, ledger, journal, faults] = await Promise.all([
      api("clock"), api(asked), api("ledger"), api(`ui/journal?limit=25&media=${media}`), api("faults")]);
    renderClock(clock); renderLedger(ledger); renderJournal(journal); renderFaults(faults);
    if (asked === jobsQuery()) renderJobs(jobs); // else the view changed meanwhile: refresh again
    else again = true;
    document.body.dataset.ready = "true";
    document.body.dataset.refreshes = String(Number(document.body.dataset.refreshes || 0) + 1);
  } catch (err) {
    say(err.message);
  } finally {
    busy = false;
    if (again) { again = false; refresh(); }
  }
}

function setFilter(changes) {
  Object.assign(view, changes);
  view.page = changes.page ?? 0;
  refresh();
}

for (const select of document.querySelectorAll("[data-filter]"))
  select.addEventListener("change", () => setFilter({ filters: { ...view.filters, [select.dataset.filter]: select.value } }));
$("f-q").addEventListener("input", () => setFilter({ q: $("f-q").value.trim() }));
$("f-size").addEventListener("change", () => setFilter({ size: Number($("f-size").value) }));
$("f-clear").addEventListener("click", () => { $("f-q").value = ""; setFilter({ filters: {}, q: "" }); });
$("filters").addEventListener("submit", (ev) => ev.preventDefault());
$("page-prev").addEventListener("click", () => setFilter({ page: Math.max(0, view.page - 1) }));
$("page-next").addEventListener("click", () => setFilter({ page: view.page + 1 }));
$("journal-media").addEventListener("change", () => refresh());
$("advance-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  act(() => post("clock/advance", { seconds: Number($("advance-seconds").value) }));
});
$("speed-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  act(() => post("clock/speed", { speed: Number($("speed-value").value) }));
});
$("arm-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  act(() => post("faults/arm", { fault: $("arm-fault").value }));
});
$("token-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  sessionStorage.setItem("soraMockToken", $("token-value").value);
  $("token-form").hidden = true;
  act(async () => {});
});

refresh();
setInterval(refresh, POLL_MS);
