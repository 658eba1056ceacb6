"""Emulator configuration: one frozen dataclass.

Every field is also a ``sora-mock serve`` flag (``queue_seconds`` -> ``--queue-seconds``)
and an environment variable (``SORA_MOCK_QUEUE_SECONDS``); flags win over the
environment, which wins over the defaults. The defaults need no file and no keys.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any, get_type_hints

__all__ = ["Config"]


@dataclass(frozen=True, slots=True)
class Config:
    """Settings for :func:`mock_server.app.create_app`. Field docs are the CLI help."""

    host: str = "127.0.0.1"
    "interface to bind"
    port: int = 8000
    "port to bind (0 picks a free one)"
    seed: int = 0
    "seed for every id and random choice: same seed + same requests = same responses"
    clock: str = "scaled"
    "'scaled' (real time x --clock-speed) or 'manual' (moves only via the control API)"
    clock_speed: float = 1.0
    "emulated seconds per real second for the scaled clock"
    log_level: str = "info"
    "uvicorn log level"
    access_log: bool = False
    "log every request (halves throughput)"
    public_url: str = ""
    "base URL to put in response links (default: the request's own scheme and host)"
    api_keys: tuple[str, ...] = ()
    "accepted API keys, comma separated (default: any key except --invalid-key)"
    invalid_key: str = "sora-mock-invalid-key"
    "a key that is always rejected, to exercise authentication errors"
    admin_token: str = ""
    "token required by /_emulator/ when bound beyond loopback"
    progression: str = "clock"
    "how jobs move: 'clock', 'polls', 'manual' or 'immediate'"
    queue_seconds: float = 3.0
    "emulated seconds a job waits in the queue ('clock' progression)"
    run_seconds: float = 8.0
    "emulated seconds a job runs, plus --run-seconds-per-video-second x its duration"
    run_seconds_per_video_second: float = 0.5
    "extra emulated run time per second of video"
    queue_polls: int = 1
    "status reads a job stays queued ('polls' progression)"
    run_polls: int = 2
    "status reads a job stays running ('polls' progression)"
    reject_retired: bool = False
    "reject models whose retirement date has passed on the engine clock"
    balance: str = ""
    "starting balance in USD for every key (default: unlimited)"
    max_active_per_key: int = 0
    "jobs one key may have in progress at once (0: no limit)"
    catalog: tuple[str, ...] = ()
    "extra catalog JSON files, comma separated, that extend or override the built-in one"
    media_dir: str = ""
    "where clips are cached (default: a temporary directory)"
    max_encodes: int = 0
    "ffmpeg processes at once (0: one per core)"
    encode_timeout: float = 60.0
    "seconds before an ffmpeg run counts as failed"
    ffmpeg: str = ""
    "ffmpeg binary to encode with (default: ffmpeg on PATH, else the one imageio-ffmpeg bundles)"
    max_body_bytes: int = 20 * 1024 * 1024
    "largest request body or WebSocket message; a larger one gets 413 in the provider's shape"
    max_header_bytes: int = 64 * 1024
    "largest request head (request line and headers); a larger one gets 431 and is closed"
    request_timeout: float = 30.0
    "real seconds a client may take to send one whole request; slower connections are closed"
    timeout_keep_alive: float = 5.0
    "real seconds an idle keep-alive connection stays open (uvicorn's --timeout-keep-alive)"
    limit_concurrency: int = 0
    "open connections plus requests in progress before new requests get 503 (0: no limit)"
    timeout_graceful_shutdown: float = 10.0
    "real seconds a shutdown waits for requests in progress (encodes in flight are awaited)"
    state: str = "memory"
    "where jobs, the ledger and the journal live: 'memory' or 'sqlite:///PATH'"
    chaos: str = ""
    "seeded random faults, e.g. 'error=0.05,latency=0.1,latency_seconds=0.2-1,drop=0.01,fail=0.05'"
    journal_size: int = 1000
    "requests kept in the request journal"
    webhook_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")
    "hosts webhooks may be delivered to, comma separated"
    runcomfy_unknown_fields: str = "accept"
    "RunComfy fields a model's schema lacks: 'accept' (named in a header) or 'reject' (422)"
    runware_unknown_task: str = "empty"
    "reply to getResponse for an unknown task id: 'empty' ({\"data\": []}) or 'error'"
    runware_unknown_fields: str = "reject"
    "videoInference fields the contract does not name: 'reject' (unsupportedParameter) or 'ignore'"
    runware_sync_wait: float = 60.0
    "real seconds a sync Runware request is held before it answers with a timeout"
    runware_frames_with_size: bool = True
    "accept width/height together with Runware inputs.frameImages (the documented example does)"
    runware_rest_auth_item: bool = False
    "answer a REST authentication task with an authentication data item (unconfirmed)"
    runware_cost_always: bool = False
    "report cost on every Runware result (as the documented examples do), not only with includeCost"
    runware_retired_code: str = "modelDisabled"
    "Runware error code for a model past its deactivation date (with --reject-retired)"
    runware_ws_idle: float = 120.0
    "emulated seconds without a client message before a Runware WebSocket is closed"
    runware_ws_resume: float = 120.0
    "emulated seconds a Runware WebSocket session keeps undelivered results for a resume"
    webhook_attempts: int = 5
    "delivery attempts per webhook before it counts as failed"
    webhook_backoff: float = 2.0
    "emulated seconds before the first webhook retry; doubles for each further retry"
    webhook_timeout: float = 10.0
    "real seconds one webhook attempt may take"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Config:
        """Defaults, then ``SORA_MOCK_*`` variables, then ``overrides``."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        hints = get_type_hints(cls)
        for f in fields(cls):
            raw = env.get(f"SORA_MOCK_{f.name.upper()}")
            if raw is not None:
                values[f.name] = parse_value(hints[f.name], raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    @property
    def local_only(self) -> bool:
        return self.host in ("127.0.0.1", "localhost", "::1")


def parse_value(kind: Any, raw: str) -> Any:
    """Parse a flag or environment string into the field's type."""
    if kind is bool:
        if raw.lower() in ("1", "true", "yes", "on"):
            return True
        if raw.lower() in ("0", "false", "no", "off", ""):
            return False
        raise ValueError(f"not a boolean: {raw!r}")
    if kind is int:
        return int(raw)
    if kind is float:
        return float(raw)
    if kind == tuple[str, ...]:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    return raw
