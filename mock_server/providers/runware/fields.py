"""Small parsers every Runware task shares: strict JSON, taskUUIDs, lax integers."""

from __future__ import annotations

import math
import re
from typing import Any

from mock_server.http import jsonio
from mock_server.providers.runware.errors import RunwareError

__all__ = ["as_int", "bad", "is_uuid", "is_uuid4", "loads", "task_uuid"]

_UUID4 = re.compile(
    r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-4[0-9a-fA-F]{3}-[89abAB][0-9a-fA-F]{3}-[0-9a-fA-F]{12}$"
)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")


def loads(raw: str | bytes) -> Any:
    """Strict UTF-8 JSON: ``NaN``, ``Infinity`` and runaway nesting are refused (ValueError)."""
    return jsonio.loads(raw)


def is_uuid(value: Any) -> bool:
    return isinstance(value, str) and bool(_UUID.match(value))


def is_uuid4(value: Any) -> bool:
    """A version-4 (random) UUID, as a new task's taskUUID must be (not nil, not v1)."""
    return isinstance(value, str) and bool(_UUID4.match(value))


def task_uuid(task: dict[str, Any], *, version4: bool = False) -> str:
    """The task's taskUUID, or a Runware error when it is missing or malformed
    (``version4``: a new task's id, which must be a random UUID)."""
    value = task.get("taskUUID")
    if value is None:
        raise RunwareError(
            "missingTaskUUID", "Missing taskUUID parameter.", parameter="taskUUID", kind="UUIDv4"
        )
    if not (is_uuid4(value) if version4 else is_uuid(value)):
        raise RunwareError(
            "invalidTaskUUID",
            "Invalid value for taskUUID parameter. It must be a UUID v4 string.",
            parameter="taskUUID",
            kind="UUIDv4",
        )
    return str(value)


def as_int(value: Any) -> int | None:
    """An integer, also from an integral float (``8.0``); None for anything else."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        return int(value)
    return None


def bad(code: str, parameter: str, kind: str, message: str, **kw: Any) -> RunwareError:
    return RunwareError(code, message, parameter=parameter, kind=kind, **kw)
