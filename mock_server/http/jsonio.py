"""One strict JSON reader for every request body the emulator parses.

``loads`` raises ValueError for anything a real JSON parser in front of the providers
would refuse: invalid UTF-8, ``NaN``/``Infinity`` (not JSON), and nesting so deep that
decoding it would exhaust the interpreter's stack.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["loads"]


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


# One decoder for every request: json.loads(..., parse_constant=) would build one per call.
_DECODER = json.JSONDecoder(parse_constant=_refuse)


def loads(raw: str | bytes) -> Any:
    """Decode strict UTF-8 JSON; every failure is a ValueError."""
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        return _DECODER.decode(text)
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
