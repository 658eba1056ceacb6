"""Read catalog entries written in the first format (before published input schemas).

A first-format entry names ``sizes`` ({"WxH": tier}), ``durations``, ``default_size``,
``default_duration``, ``price_per_second``, ``image_input`` (none | optional |
required), ``video_input`` and ``prompt_max_chars``. It describes a Sora-shaped model,
so it gets the Sora input schema of its provider (``catalog_legacy.json``: RunComfy
``prompt``/``size``/``seconds``/``input_reference``; Runware's prompt, width, height,
duration, seed and ``inputs``), narrowed to the entry's sizes and durations.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

__all__ = ["upgrade"]

_FORBIDDEN: dict[str, Any] = {"not": {}}


@cache
def _templates() -> dict[str, Any]:
    text = resources.files(__package__).joinpath("catalog_legacy.json").read_text()
    doc: dict[str, Any] = json.loads(text)
    return doc


def _node(schema: dict[str, Any], dotted: str) -> tuple[dict[str, Any], str]:
    """(the properties object holding the field, its name) for a dotted wire path."""
    *parents, name = dotted.split(".")
    props: dict[str, Any] = schema["properties"]
    for part in parents:
        props = props[part]["properties"]
    return props, name


def _set(schema: dict[str, Any], dotted: str | None, **values: Any) -> None:
    if dotted is not None:
        props, name = _node(schema, dotted)
        props[name] = {**props[name], **values}


def _drop(schema: dict[str, Any], fields: dict[str, str], role: str) -> None:
    """Refuse the field that plays ``role`` and forget the role."""
    props, name = _node(schema, fields.pop(role))
    props[name] = _FORBIDDEN


def upgrade(raw: dict[str, Any]) -> dict[str, Any]:
    """``raw`` in the current format: unchanged if it has an ``input_schema``."""
    if "input_schema" in raw:
        return raw
    template = _templates()[raw["provider"]]
    schema: dict[str, Any] = copy.deepcopy(template["input_schema"])
    fields: dict[str, str] = dict(template["fields"])
    sizes = [tuple(int(v) for v in s.split("x")) for s in raw["sizes"]]
    _set(schema, fields.get("size"), enum=list(raw["sizes"]))
    _set(schema, fields.get("width"), enum=sorted({w for w, _ in sizes}))
    _set(schema, fields.get("height"), enum=sorted({h for _, h in sizes}))
    _set(schema, fields.get("duration"), enum=[int(d) for d in raw["durations"]])
    _set(schema, fields["prompt"], maxLength=int(raw.get("prompt_max_chars", 4000)))
    if raw.get("default_size") and "size" in fields:
        _set(schema, fields["size"], default=raw["default_size"])
    if raw.get("default_duration"):
        _set(schema, fields["duration"], default=int(raw["default_duration"]))
    image = raw.get("image_input", "none")
    if image == "none":
        _drop(schema, fields, "first_frame")
    elif image == "required":
        schema["required"].append(fields["first_frame"])
    if not raw.get("video_input") and "video" in fields:
        _drop(schema, fields, "video")
    out = {
        "sizes": dict(raw["sizes"]),
        "default_size": raw.get("default_size"),
        "default_duration": raw.get("default_duration"),
        "fps": int(raw.get("fps", 24)),
        "audio": raw.get("audio", "always"),
    }
    return {
        **raw,
        "input_schema": schema,
        "fields": fields,
        "output": out,
        "pricing": {"per_second": raw["price_per_second"]},
        "sources": raw.get("sources", {"input_schema": "INFERRED: first catalog format"}),
    }
