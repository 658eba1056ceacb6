"""Small readers of catalog values: durations, lifecycle dates, forbidden fields, roles."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

__all__ = [
    "AUDIO_MODES",
    "DEFAULT_PROMPT_MAX",
    "ROLES",
    "allowed_ints",
    "epoch",
    "forbidden",
    "parse_date",
    "seconds_of",
]

ROLES = frozenset(
    {
        "prompt",
        "negative_prompt",
        "duration",
        "size",
        "width",
        "height",
        "resolution",
        "aspect_ratio",
        "fps",
        "audio",
        "first_frame",
        "last_frame",
        "reference_images",
        "reference_videos",
        "video",
        "seed",
        "provider_settings",
    }
)
AUDIO_MODES = ("never", "always", "optional")
DEFAULT_PROMPT_MAX = 4000


def seconds_of(value: Any) -> int | None:
    """A duration value as whole seconds: ``8``, ``8.0``, ``"8"`` and ``"8s"`` are 8;
    anything else (``"auto"``, ``True``, ``8.5``) is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return int(value) if value.is_integer() else None
    if isinstance(value, str):
        text = value.strip().removesuffix("s")
        return int(text) if text.isascii() and text.isdigit() and len(text) < 6 else None
    return None


def allowed_ints(schema: Mapping[str, Any]) -> tuple[int, ...]:
    if "enum" in schema:
        found = (seconds_of(v) for v in schema["enum"])
        return tuple(v for v in found if v is not None)
    low, high = schema.get("minimum"), schema.get("maximum")
    if isinstance(low, int | float) and isinstance(high, int | float) and high - low <= 600:
        step = schema.get("multipleOf", 1)
        return tuple(v for v in range(int(low), int(high) + 1) if v % step == 0)
    return ()


def forbidden(schema: Any) -> bool:
    return schema is False or (isinstance(schema, dict) and schema.get("not") == {})


def epoch(d: date) -> float:
    return datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()


def parse_date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None
