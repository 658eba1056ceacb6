// sora-mock dashboard: polls the control API once a second and renders jobs, the
// ledger, faults and the journal. No framework, no network beyond this server.
"use strict";

const POLL_MS = 1000;
const hash = new URLSearchParams(location.hash.slice(1));
if (hash.get("token")) sessionStorage.setItem("soraMockToken", hash.get("token"));
const $ = (id) => document.getElementById(id);
const rows = new Map(); // job id -> {row, player}

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

function actions(job) {
  const box = el("div", { className: "actions" });
  if (job.state === "queued" || job.state === "running") {
    box.append(el("button", { type: "button", dataset: { action: "complete" },
      onclick: () => act(() => post(`jobs/${job.id}/complete`)) }, "Complete"));
    const kind = el("select", { "aria-label": "failure kind" },
      ...["moderation", "timeout", "provider"].map((k) => el("option", { value: k }, k)));
    box.append(kind, el("button", { type: "button", dataset: { action: "fail" },
      onclick: () => act(() => post(`jobs/${job.id}/fail`, { kind: kind.value })) }, "Fail"));
  }
  return box;
}

function renderJob(job) {
  let entry = rows.get(job.id);
  if (!entry) {
    const row = el("tr", { dataset: { jobId: job.id } });
    const player = el("tr", { className: "player", hidden: true });
    entry = { row, player, state: null };
    rows.set(job.id, entry);
  }
  const { row, player } = entry;
  const progress = el("div", { className: "bar", title: job.progress + " %" });
  progress.append(el("div", { style: `width:${job.progress}%` }));
  const stateCell = el("td", {}, el("span", { className: "state " + job.state, dataset: { testid: "state" } }, job.state));
  if (job.failure) stateCell.append(el("div", { className: "failure" }, `${job.failure.kind}: ${job.failure.message}`));
  row.replaceChildren(
    el("td", {}, el("code", { title: job.id }, job.id.slice(0, 8))),
    el("td", {}, job.provider),
    el("td", { title: job.model }, job.title, el("div", { className: "muted small" }, `${job.size} · ${job.seconds} s`)),
    el("td", {}, job.tenant_label),
    stateCell,
    el("td", {}, job.queue_position ?? "–"),
    el("td", {}, progress),
    el("td", {}, "$" + job.cost),
    el("td", {}, entry.state === job.state && row.lastChild ? row.lastChild.firstChild : actions(job)),
  );
  if (job.state === "succeeded" && !player.querySelector("video")) {
    const videos = job.outputs.map((o) => el("video", { controls: true, preload: "metadata", src: o.media_url, dataset: { jobId: job.id } }));
    player.replaceChildren(el("td", { colSpan: 9 }, ...videos));
    player.hidden = false;
  }
  entry.state = job.state;
  return entry;
}

function renderJobs(data) {
  const body = $("jobs").tBodies[0];
  const wanted = [];
  for (const job of data.jobs) {
    const { row, player } = renderJob(job);
    wanted.push(row, player);
  }
  body.replaceChildren(...wanted);
  $("no-jobs").hidden = data.jobs.length > 0;
  $("job-count").textContent = `(${data.total})`;
}

function renderLedger(ledger) {
  $("ledger-total").textContent = `total $${ledger.total}`;
  const box = $("ledger");
  box.replaceChildren(...ledger.tenants.map((t) => {
    const table = el("table", { className: "small" },
      el("thead", {}, el("tr", {}, ...["model", "jobs", "video s", "amount"].map((h) => el("th", {}, h)))),
      el("tbody", {}, ...t.by_model.map((m) => el("tr", {},
        el("td", {}, m.model), el("td", {}, m.jobs), el("td", {}, m.video_seconds), el("td", {}, "$" + m.amount)))));
    return el("div", { className: "tenant", dataset: { tenant: t.label } },
      el("strong", {}, t.label), " ",
      el("span", { className: "muted" }, `balance ${t.balance === null ? "unlimited" : "$" + t.balance} · held $${t.held} · spent $${t.spent}`),
      t.by_model.length ? table : el("div", { className: "muted small" }, "nothing charged yet"));
  }));
  if (!ledger.tenants.length) box.append(el("p", { className: "muted" }, "No tenants yet."));
}

function renderJournal(journal) {
  $("journal").tBodies[0].replaceChildren(...journal.entries.slice(0, 25).map((e) => el("tr", {},
    el("td", {}, e.time.slice(11, 23)), el("td", {}, e.method), el("td", {}, el("code", {}, e.path)),
    el("td", {}, e.dropped ? "dropped" : e.status), el("td", {}, e.provider || ""),
    el("td", {}, e.tenant_label || ""), el("td", {}, e.duration_ms))));
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

let busy = false;
async function refresh() {
  if (busy) return;
  busy = true;
  try {
    const [clock, jobs, ledger, journal, faults] = await Promise.all([
      api("clock"), api("jobs?limit=100"), api("ledger"), api("journal?limit=25"), api("faults")]);
    renderClock(clock); renderJobs(jobs); renderLedger(ledger); renderJournal(journal); renderFaults(faults);
    document.body.dataset.ready = "true";
  } catch (err) {
    say(err.message);
  } finally {
    busy = false;
  }
}

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
