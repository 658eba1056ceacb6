"""JSON Schema as readable HTML for ``/docs``: one row per field, with its type in words.

>>> schema_html(doc["components"]["schemas"]["RunComfyStatusResponse"])
'<table class="fields"><tr><th>field</th>...'

Types read as ``string, one of in_queue | in_progress``, ``integer 0–100``, ``array of
RunwareError``; a ``$ref`` links to that schema's own entry; nested objects get dotted
rows (``output.video``) down to three levels.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

__all__ = ["refs_in", "schema_html", "type_words"]

_PREFIX = "#/components/schemas/"
_MAX_ENUM = 12


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _link(ref: str) -> str:
    name = ref.removeprefix(_PREFIX)
    return f'<a href="#schema-{_e(name)}"><code>{_e(name)}</code></a>'


def _literal(value: Any) -> str:
    text = "null" if value is None else str(value).lower() if isinstance(value, bool) else value
    return f"<code>{_e(text)}</code>"


def _bounds(node: dict[str, Any]) -> list[str]:
    words = []
    low, high = node.get("minimum"), node.get("maximum")
    if low is not None and high is not None:
        words.append(f"{low}–{high}")
    elif low is not None:
        words.append(f"≥ {low}")
    elif high is not None:
        words.append(f"≤ {high}")
    if "exclusiveMinimum" in node:
        words.append(f"> {node['exclusiveMinimum']}")
    short, long = node.get("minLength"), node.get("maxLength")
    if short is not None or long is not None:
        words.append(f"{short or 0}–{long if long is not None else '…'} characters")
    if node.get("minItems") is not None or node.get("maxItems") is not None:
        words.append(f"{node.get('minItems', 0)}–{node.get('maxItems', '…')} items")
    if "format" in node:
        words.append(f"format {_e(node['format'])}")
    if "pattern" in node:
        words.append(f"matching <code>{_e(node['pattern'])}</code>")
    return words


def type_words(node: Any) -> str:
    """A schema node's type in a few words of HTML."""
    if not isinstance(node, dict):
        return "any" if node is True else "nothing"
    if "$ref" in node:
        return _link(node["$ref"])
    if "const" in node:
        return _literal(node["const"])
    for key, joiner in (("oneOf", " or "), ("anyOf", " or "), ("allOf", " and ")):
        if key in node:
            return joiner.join(type_words(part) for part in node[key])
    if node.get("not") == {}:
        return "<i>never sent</i>"
    kind = node.get("type", "object" if "properties" in node else "")
    kind = " or ".join(kind) if isinstance(kind, list) else str(kind)
    words = [_e(kind)] if kind or "enum" not in node else []
    if kind == "array" and "items" in node:
        words = [f"array of {type_words(node['items'])}"]
    if "enum" in node:
        values = node["enum"]
        shown = " | ".join(_literal(v) for v in values[:_MAX_ENUM])
        more = f" (and {len(values) - _MAX_ENUM} more)" if len(values) > _MAX_ENUM else ""
        words.append(f"one of {shown}{more}")
    words += _bounds(node)
    if "default" in node:
        words.append(f"default {_literal(node['default'])}")
    return ", ".join(words) or "any"


def _rows(node: dict[str, Any], prefix: str, depth: int) -> Iterator[str]:
    required = set(node.get("required", ()))
    for name, prop in node.get("properties", {}).items():
        prop = prop if isinstance(prop, dict) else {}
        doc = prop.get("description", "")
        mark = "required" if name in required else ""
        yield (
            f"<tr><td><code>{_e(prefix + name)}</code></td><td>{type_words(prop)}</td>"
            f"<td>{mark}</td><td>{_e(doc)}</td></tr>"
        )
        nested = prop.get("items") if prop.get("type") == "array" else prop
        if isinstance(nested, dict) and "properties" in nested and depth < 3:
            inner = f"{prefix}{name}[]." if prop.get("type") == "array" else f"{prefix}{name}."
            yield from _rows(nested, inner, depth + 1)
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        yield (
            f"<tr><td><i>{_e(prefix)}any other</i></td><td>{type_words(extra)}</td>"
            "<td></td><td></td></tr>"
        )
    elif extra is False and node.get("properties"):
        where = f" in {_e(prefix.rstrip('.'))}" if prefix else ""
        yield f'<tr><td colspan="4"><small>no other fields{where}</small></td></tr>'


def schema_html(schema: dict[str, Any]) -> str:
    """The schema as words: its description, what it is, and a table of its fields."""
    parts = []
    if schema.get("description"):
        parts.append(f"<p>{_e(schema['description'])}</p>")
    if "properties" not in schema or any(k in schema for k in ("oneOf", "anyOf", "allOf")):
        parts.append(f"<p>{type_words({k: v for k, v in schema.items() if k != 'properties'})}</p>")
    for key in ("oneOf", "anyOf", "allOf"):
        for part in schema.get(key, ()):
            if isinstance(part, dict) and "properties" in part:
                parts.append(_table(part))
    if "properties" in schema:
        parts.append(_table(schema))
    items = schema.get("items")
    if schema.get("type") == "array" and isinstance(items, dict) and "properties" in items:
        parts.append(_table(items))
    return "".join(parts)


def _table(node: dict[str, Any]) -> str:
    head = "<tr><th>field</th><th>type</th><th></th><th>meaning</th></tr>"
    return f'<table class="fields">{head}{"".join(_rows(node, "", 1))}</table>'


def refs_in(node: Any) -> Iterator[str]:
    """Every component name a schema node refers to, directly."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(_PREFIX):
            yield ref.removeprefix(_PREFIX)
        for value in node.values():
            yield from refs_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs_in(item)
