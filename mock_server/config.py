"""Emulator configuration: one frozen dataclass, plus each provider's own settings.

Every field is also a ``sora-mock serve`` flag (``queue_seconds`` -> ``--queue-seconds``)
and an environment variable (``SORA_MOCK_QUEUE_SECONDS``); flags win over the
environment, which wins over the defaults. The defaults need no file and no keys.

A provider's settings are a frozen dataclass of its own, kept in
``Config.provider_settings`` and read with ``config.settings(RunwareSettings)``; its
fields are flags and variables under the provider's name (``sync_wait`` of Runware:
``--runware-sync-wait``, ``SORA_MOCK_RUNWARE_SYNC_WAIT``).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields
from typing import Any, TypeVar, get_type_hints

__all__ = ["Config", "flag_fields", "parse_value"]

S = TypeVar("S")


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
    media_max_mb: float = 0.0
    "MB of disk for rendered clips; the least recently used go, re-rendered on demand (0: no cap)"
    shared_clips: bool = False
    "load tests: jobs share one clip per model, size, duration and sound (label names no job)"
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
    "where the sandbox lives: 'memory', 'sqlite:///PATH' or 'redis://HOST:PORT/DB' (shared)"
    workers: int = 1
    "worker processes serving one sandbox; more than one needs --state redis://HOST:PORT/DB"
    chaos: str = ""
    "seeded random faults, e.g. 'error=0.05,latency=0.1,latency_seconds=0.2-1,drop=0.01,fail=0.05'"
    journal_size: int = 1000
    "requests kept in the request journal"
    webhook_hosts: tuple[str, ...] = ("127.0.0.1", "localhost", "::1")
    "hosts webhooks may be delivered to, comma separated"
    webhook_attempts: int = 5
    "delivery attempts per webhook before it counts as failed"
    webhook_backoff: float = 2.0
    "emulated seconds before the first webhook retry; doubles for each further retry"
    webhook_timeout: float = 10.0
    "real seconds one webhook attempt may take"
    provider_settings: tuple[Any, ...] = field(default=(), metadata={"flag": False})
    "each provider's settings object; a provider without one here runs on its defaults"

    @classmethod
    def from_env(
        cls,
        env: Mapping[str, str] | None = None,
        sections: Mapping[str, type[Any]] | None = None,
        **overrides: Any,
    ) -> Config:
        """Defaults, then ``SORA_MOCK_*`` variables, then ``overrides``.

        ``sections`` maps a provider's name to its settings class, whose fields are read
        under that name (``runware_sync_wait``); any other unknown name is a TypeError.
        """
        env = os.environ if env is None else env
        rest = {k: v for k, v in overrides.items() if v is not None}
        parts = []
        for name, kind in (sections or {}).items():
            prefix = f"{name}_"
            mine = {k: rest.pop(k) for k in list(rest) if k.startswith(prefix)}
            parts.append(_load(kind, env, mine, prefix))
        return _load(cls, env, rest, provider_settings=tuple(parts))

    def settings(self, kind: type[S]) -> S:
        """The settings object of class ``kind`` (its defaults when none was given)."""
        for part in self.provider_settings:
            if isinstance(part, kind):
                return part
        return kind()

    def with_settings(self, *parts: Any) -> Config:
        """This config with ``parts`` in place of the provider settings of their class."""
        kinds = {type(p) for p in parts}
        kept = tuple(p for p in self.provider_settings if type(p) not in kinds)
        return dataclasses.replace(self, provider_settings=(*kept, *parts))

    @property
    def local_only(self) -> bool:
        return self.host in ("127.0.0.1", "localhost", "::1")


def flag_fields(kind: type[Any]) -> Iterator[dataclasses.Field[Any]]:
    """The fields of a settings class that are flags and environment variables."""
    return (f for f in fields(kind) if f.metadata.get("flag", True))


def _load(
    kind: type[S], env: Mapping[str, str], overrides: dict[str, Any], prefix: str = "", **fixed: Any
) -> S:
    """``kind`` from ``SORA_MOCK_<PREFIX><FIELD>`` variables, then ``<prefix><field>``
    overrides; an override naming no field is a TypeError, as for the class itself."""
    values: dict[str, Any] = {}
    hints = get_type_hints(kind)
    for f in flag_fields(kind):
        raw = env.get(f"SORA_MOCK_{prefix.upper()}{f.name.upper()}")
        if raw is not None:
            values[f.name] = parse_value(hints[f.name], raw)
    values.update({k.removeprefix(prefix): v for k, v in overrides.items()})
    return kind(**values, **fixed)


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
