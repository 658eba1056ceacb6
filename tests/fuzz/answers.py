"""What every answer must be, whoever asks: no 5xx, no Python exception text, and an
error body that is JSON in its owner's shape."""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["EXCEPTION_TEXT", "assert_clean_error", "exception_text"]

# Messages of Python's built-in exceptions and their names: none belongs in an answer.
EXCEPTION_TEXT = re.compile(
    "|".join(
        [
            r"Traceback \(most recent call last\)",
            r'File "[^"]+", line \d+',
            r"invalid literal for int\(\)",
            r"could not convert string to float",
            r"(?:not enough|too many) values to unpack",
            r"object has no attribute",
            r"object is not (?:subscriptable|iterable|callable)",
            r"unsupported operand type",
            r"unhashable type",
            r"(?:list|string|tuple) index out of range",
            r"division by zero",
            r"maximum recursion depth",
            r"cannot convert float",
            r"int too large to convert",
            r"Exceeds the limit \(\d+ digits\)",
            r"Expecting (?:value|property name)",
            r"codec can't (?:de|en)code",
            r"takes \d+ positional argument",
            r"missing \d+ required positional argument",
            r"got an unexpected keyword argument",
            r"\b(?:Key|Value|Type|Attribute|Index|Overflow|Memory|Recursion|Runtime|Assertion|"
            r"Lookup|Unicode(?:De|En)code|JSONDecode|ZeroDivision|NotImplemented)Error\b",
        ]
    )
)


def exception_text(text: str) -> str | None:
    """The first piece of Python exception text in ``text``, if any."""
    found = EXCEPTION_TEXT.search(text)
    return found.group(0) if found else None


def assert_clean_error(status: int, content_type: str, text: str) -> Any:
    """No 5xx, no exception text; an error is a JSON document (returned, parsed)."""
    assert status < 500, f"{status}: {text[:500]}"
    leaked = exception_text(text)
    assert leaked is None, f"Python exception text {leaked!r} in {text[:500]}"
    if status < 400:
        return None
    assert content_type.split(";")[0].strip() == "application/json", (status, content_type, text)
    return json.loads(text)
