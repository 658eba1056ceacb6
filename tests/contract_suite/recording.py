"""Record every exchange of a run (keys redacted), report drift, and load recordings back.

    recorder = Recorder(enabled=True, models=[...])
    recorder.record("runcomfy", request, response, elapsed)      # Target does this
    recorder.observe("runcomfy", job_id, model, "in_queue", progress=None, queue_position=2)
    recorder.write(Path("sora-live-report"), contracts)          # at the end of the session

``DIR/recording.json`` holds the exchanges; ``DIR/drift.json`` and ``DIR/drift.md`` the
findings of :mod:`tests.contract_suite.drift`, plus the observed state sequences and timings of
every job. A recording replays as a fixture: ``--sora-replay DIR/recording.json``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from contracts import Contracts
from tests.contract_suite.drift import check_exchange, classify

__all__ = ["REDACTED", "Recorder", "load_recording"]

REDACTED = "<redacted>"
FORMAT = "sora-mock-recording/1"
_SECRET_HEADERS = {"authorization", "x-api-key", "cookie", "set-cookie"}
_TEXT_LIMIT = 4000


class Recorder:
    """Collects exchanges and job observations; a disabled recorder keeps nothing."""

    def __init__(self, enabled: bool, models: list[str], target: str = "") -> None:
        self.enabled = enabled
        self.models = models
        self.target = target
        self.secrets: set[str] = set()
        self.test = ""
        self.exchanges: list[dict[str, Any]] = []
        self.jobs: dict[str, dict[str, Any]] = {}
        self._t0 = time.monotonic()

    # -- collecting -----------------------------------------------------------------
    def redact(self, text: str) -> str:
        for secret in sorted(self.secrets, key=len, reverse=True):
            text = text.replace(secret, REDACTED)
        return text

    def _headers(self, headers: httpx.Headers) -> dict[str, str]:
        out = {}
        for name, value in headers.items():
            secret = name.lower() in _SECRET_HEADERS
            out[name.lower()] = REDACTED if secret else self.redact(value)
        return out

    def _body(self, raw: bytes, content_type: str) -> dict[str, Any]:
        if not raw:
            return {}
        if "json" in content_type or raw[:1] in (b"{", b"["):
            try:
                return {"json": json.loads(self.redact(raw.decode("utf-8")))}
            except (ValueError, UnicodeDecodeError):
                pass
        if content_type.startswith("text/") or "form" in content_type:
            return {"text": self.redact(raw.decode("utf-8", "replace"))[:_TEXT_LIMIT]}
        return {"bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}

    def record(
        self, provider: str, request: httpx.Request, response: httpx.Response, elapsed: float
    ) -> None:
        if not self.enabled:
            return
        info = classify(provider, request.method, request.url.path, self.models)
        self.exchanges.append(
            {
                "test": self.test,
                "provider": provider,
                **info,
                "at": round(time.monotonic() - self._t0, 3),
                "elapsed": round(elapsed, 3),
                "request": {
                    "method": request.method,
                    "url": self.redact(str(request.url)),
                    "headers": self._headers(request.headers),
                    **self._body(request.content, request.headers.get("content-type", "")),
                },
                "response": {
                    "status": response.status_code,
                    "headers": self._headers(response.headers),
                    **self._body(response.content, response.headers.get("content-type", "")),
                },
            }
        )

    def observe(
        self,
        provider: str,
        job_id: str,
        model: str,
        state: str,
        *,
        progress: int | None = None,
        queue_position: int | None = None,
    ) -> None:
        """One status read of a job, for the state sequences of the drift report."""
        if not self.enabled:
            return
        job = self.jobs.setdefault(
            f"{provider}:{job_id}",
            {"provider": provider, "model": model, "test": self.test, "reads": []},
        )
        read: dict[str, Any] = {"at": round(time.monotonic() - self._t0, 3), "state": state}
        if progress is not None:
            read["progress"] = progress
        if queue_position is not None:
            read["queue_position"] = queue_position
        job["reads"].append(read)

    # -- reporting ------------------------------------------------------------------
    def findings(self, contracts: Contracts) -> list[dict[str, Any]]:
        out = []
        for index, exchange in enumerate(self.exchanges):
            for finding in check_exchange(contracts, exchange):
                out.append({"exchange": index, "test": exchange["test"], **finding})
        return out

    def write(self, directory: Path, contracts: Contracts) -> Path:
        """Write recording.json, drift.json and drift.md into ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        recording = {"format": FORMAT, "target": self.target, "exchanges": self.exchanges}
        (directory / "recording.json").write_text(json.dumps(recording, indent=1))
        findings = self.findings(contracts)
        sequences = [_sequence(job) for job in self.jobs.values()]
        report = {
            "target": self.target,
            "exchanges": len(self.exchanges),
            "summary": dict(Counter(f["kind"] for f in findings)),
            "findings": findings,
            "jobs": sequences,
        }
        (directory / "drift.json").write_text(json.dumps(report, indent=1))
        (directory / "drift.md").write_text(_markdown(report))
        return directory


def _sequence(job: dict[str, Any]) -> dict[str, Any]:
    """States in the order seen, each with when it was first and last seen."""
    reads = job["reads"]
    states: list[dict[str, Any]] = []
    for read in reads:
        if states and states[-1]["state"] == read["state"]:
            states[-1]["last_seen"] = read["at"]
        else:
            states.append(
                {"state": read["state"], "first_seen": read["at"], "last_seen": read["at"]}
            )
    start = reads[0]["at"] if reads else 0.0
    end = reads[-1]["at"] if reads else 0.0
    return {**{k: v for k, v in job.items() if k != "reads"}, "states": states,
            "seconds": round(end - start, 3), "reads": reads}  # fmt: skip


def _markdown(report: dict[str, Any]) -> str:
    lines = [f"# Drift report ({report['target']})", ""]
    lines.append(f"{report['exchanges']} exchanges recorded.")
    summary = report["summary"] or {"no findings": 0}
    lines += ["", *(f"- {kind}: {count}" for kind, count in summary.items()), ""]
    if report["findings"]:
        lines += ["## Findings", "", "| kind | operation | status | path | message |"]
        lines.append("|---|---|---|---|---|")
        for f in report["findings"]:
            message = str(f["message"]).replace("|", "\\|")[:160]
            row = f"| {f['kind']} | {f['operation']} | {f['status']} | `{f['path']}` | {message} |"
            lines.append(row)
        lines.append("")
    if report["jobs"]:
        lines += ["## Jobs: observed states and timings", ""]
        for job in report["jobs"]:
            path = " → ".join(f"{s['state']} ({s['first_seen']}s)" for s in job["states"])
            lines.append(f"- {job['provider']} {job['model']}: {path}; {job['seconds']} s")
    return "\n".join(lines) + "\n"


def load_recording(path: Path) -> list[dict[str, Any]]:
    """The exchanges of a recording file written by :meth:`Recorder.write`."""
    doc = json.loads(Path(path).read_text())
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise ValueError(f"{path} is not a sora-mock recording ({FORMAT})")
    return list(doc["exchanges"])
