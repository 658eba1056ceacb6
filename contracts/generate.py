"""Generate the per-model parts of the contracts from the model catalog.

    python -m contracts.generate                  # rewrite schemas/*/models.json
    python -m contracts.generate --check          # exit 1 if they are out of date
    python -m contracts.generate --catalog FILE   # another catalog JSON (same shape)

Sizes, durations, prompt limits, image/video inputs and RunComfy's published input
schemas live in one place, the catalog (``mock_server/core/catalog.d/*.json``).
``contracts/`` imports nothing from the project, so the catalog is read as plain
JSON; ``tests/schemas`` fails when the committed ``models.json`` files drift from it.
The emulator also calls :func:`model_documents` with its live catalog, so
``/openapi.json`` always matches the models it serves.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from contracts.registry import BASE_URI, slug

__all__ = ["default_catalog_path", "model_documents", "read_catalog", "render"]

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
# `{"not": {}}` rather than `false`: jsonschema reports a false subschema without the
# property name in the error path, and the name is what a contract violation must show.
FORBIDDEN: dict[str, Any] = {"not": {}}
_NOTE = "Generated from the model catalog by `python -m contracts.generate`; do not edit."


def default_catalog_path() -> Path:
    """The built-in catalog folder of the source tree this package sits in."""
    return Path(__file__).resolve().parent.parent / "mock_server" / "core" / "catalog.d"


def read_catalog(path: Path) -> dict[str, Any]:
    """A catalog file, or a folder of them (every ``*.json`` in name order) merged."""
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    merged: dict[str, Any] = {"families": {}, "offers": []}
    for f in files:
        doc = json.loads(f.read_text(encoding="utf-8"))
        merged["families"].update(doc.get("families", {}))
        merged["offers"] += doc.get("offers", [])
    return merged


def _field(offer: Mapping[str, Any], role: str) -> tuple[str | None, Any]:
    """(wire name, schema) of the top-level field that plays ``role``."""
    name = offer.get("fields", {}).get(role)
    if name is None or "." in name:
        return name, None
    return name, offer["input_schema"].get("properties", {}).get(name)


def _seconds(value: Any) -> int | None:
    """``8``, ``8.0``, ``"8"`` and ``"8s"`` are 8 seconds; ``"auto"`` is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return int(value) if float(value).is_integer() else None
    text = str(value).strip().removesuffix("s")
    return int(text) if text.isascii() and text.isdigit() and len(text) < 6 else None


def _durations(offer: Mapping[str, Any]) -> list[int]:
    _, schema = _field(offer, "duration")
    if isinstance(schema, dict) and "enum" in schema:
        return [d for d in map(_seconds, schema["enum"]) if d is not None]
    if isinstance(schema, dict) and "minimum" in schema and "maximum" in schema:
        return list(range(int(schema["minimum"]), int(schema["maximum"]) + 1))
    default = offer.get("output", {}).get("default_duration")
    return [int(default)] if default else []


def _sizes(offer: Mapping[str, Any]) -> dict[str, str]:
    out = offer.get("output", {})
    sizes = dict(out.get("sizes") or {})
    for tier, table in (out.get("resolutions") or {}).items():
        for size in table.values():
            sizes.setdefault(size, tier)
    return sizes


def _image_input(offer: Mapping[str, Any]) -> str:
    name, schema = _field(offer, "first_frame")
    if name is None or schema == FORBIDDEN or schema is False:
        return "none"
    return "required" if name in offer["input_schema"].get("required", []) else "optional"


def _prompt_max(offer: Mapping[str, Any]) -> int:
    _, schema = _field(offer, "prompt")
    limit = schema.get("maxLength") if isinstance(schema, dict) else None
    return int(limit or offer.get("prompt_max_chars", 4000))


def _offers(catalog: Mapping[str, Any], provider: str) -> list[dict[str, Any]]:
    families = catalog.get("families", {})
    out = []
    for raw in catalog.get("offers", []):
        if raw["provider"] != provider:
            continue
        offer = dict(raw)
        offer.setdefault("title", families.get(raw["family"], {}).get("title", raw["family"]))
        offer["sizes"] = _sizes(raw)
        offer["durations"] = _durations(raw)
        offer["image_input"] = _image_input(raw)
        offer["video_input"] = _field(raw, "video")[0] is not None
        offer["prompt_max_chars"] = _prompt_max(raw)
        out.append(offer)
    return out


def _dims(size: str) -> tuple[int, int]:
    w, _, h = size.partition("x")
    return int(w), int(h)


# Fields of the videoInference contract that belong to the task, not to a model.
RUNWARE_TASK_FIELDS = frozenset([
    "taskType", "taskUUID", "model", "numberResults", "outputType", "outputFormat",
    "outputQuality", "deliveryMethod", "includeCost", "webhookURL", "uploadEndpoint", "ttl",
    "safety",
])  # fmt: skip
_COMBINATORS = ("allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependentSchemas")


def _task_fields() -> frozenset[str]:
    task = json.loads((SCHEMA_DIR / "runware" / "video-inference-task.json").read_text("utf-8"))
    return frozenset(task["properties"])


def _needs_size(offer: Mapping[str, Any]) -> bool:
    out = offer.get("output", {})
    return (
        "width" in offer.get("fields", {})
        and not out.get("default_size")
        and not out.get("resolutions")
    )


def _runware_model(offer: Mapping[str, Any]) -> dict[str, Any]:
    """The model's own parameter schema under the task contract: the fields it names (a
    model field it does not name is refused), what it requires, and its size pairs."""
    schema = offer["input_schema"]
    props = dict(schema.get("properties", {}))
    name, prompt = _field(offer, "prompt")
    if name is not None and isinstance(prompt, dict):
        props[name] = {**prompt, "maxLength": _prompt_max(offer)}
    for other in sorted(_task_fields() - RUNWARE_TASK_FIELDS - set(props)):
        props[other] = FORBIDDEN
    rule: dict[str, Any] = {
        "title": f"{offer['title']} ({offer['model_id']})",
        "description": "Sizes (width x height): " + ", ".join(offer["sizes"]) + ".",
        "properties": props,
    }
    if schema.get("required"):
        rule["required"] = list(schema["required"])
    rules: list[Any] = list(schema.get("allOf", []))
    rule.update({k: schema[k] for k in _COMBINATORS if k in schema and k != "allOf"})
    dims = [_dims(s) for s in offer["sizes"]]
    if "width" in props and props["width"] != FORBIDDEN:
        rules += [
            {
                "if": {"required": ["width"], "properties": {"width": {"const": w}}},
                "then": {"properties": {"height": {"enum": sorted(h for x, h in dims if x == w)}}},
            }
            for w in sorted({w for w, _ in dims})
        ]
    if _needs_size(offer):
        rules.append(
            {
                "anyOf": [
                    {"required": ["width"]},
                    {"required": ["frameImages"]},
                    {
                        "required": ["inputs"],
                        "properties": {"inputs": {"required": ["frameImages"]}},
                    },
                    {"required": ["inputs"], "properties": {"inputs": {"required": ["videoId"]}}},
                ]
            }
        )
    if rules:
        rule["allOf"] = rules
    rule["x-sora-mock-fields"] = dict(offer.get("fields", {}))
    return rule


def _runcomfy_model(offer: Mapping[str, Any]) -> dict[str, Any]:
    """The model's published input schema, under the provider's common submit rules."""
    schema = offer["input_schema"]
    props = {k: v for k, v in schema.get("properties", {}).items()}
    name, prompt = _field(offer, "prompt")
    if name is not None and isinstance(prompt, dict):
        props[name] = {**prompt, "maxLength": _prompt_max(offer)}
    rule: dict[str, Any] = {
        "title": offer["model_id"],
        "description": f"{offer['title']}, {offer.get('mode', 'video')}.",
        "allOf": [{"$ref": "submit-request.json"}],
        "properties": props,
        "required": list(schema.get("required", [])),
    }
    if schema.get("additionalProperties") is False:
        rule["additionalProperties"] = False
    # what the fields mean, so a client can ask for a size and duration in the model's
    # own words (an annotation: validators ignore x- keywords)
    rule["x-sora-mock-fields"] = dict(offer.get("fields", {}))
    sizes: dict[str, dict[str, str]] = {}
    for tier, table in (offer.get("output", {}).get("resolutions") or {}).items():
        for ratio, size in table.items():
            sizes.setdefault(size, {"resolution": tier, "aspect_ratio": ratio})
    if sizes:
        rule["x-sora-mock-sizes"] = sizes
    return rule


def _document(provider: str, title: str, defs: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{BASE_URI}{provider}/models.json",
        "title": title,
        "description": _NOTE,
        **extra,
        "$defs": defs,
    }


def model_documents(catalog: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{"runware/models": schema, "runcomfy/models": schema}`` for a catalog in its
    JSON shape (``{"families": {...}, "offers": [...]}``)."""
    runware = _offers(catalog, "runware")
    rw_defs: dict[str, Any] = {"model": {"enum": [o["model_id"] for o in runware]}}
    rw_defs.update({slug(o["model_id"]): _runware_model(o) for o in runware})
    rw_rules = [
        {
            "if": {"required": ["model"], "properties": {"model": {"const": o["model_id"]}}},
            "then": {"$ref": f"#/$defs/{slug(o['model_id'])}"},
        }
        for o in runware
    ]
    runcomfy = _offers(catalog, "runcomfy")
    rc_defs: dict[str, Any] = {"model": {"enum": [o["model_id"] for o in runcomfy]}}
    rc_defs.update({slug(o["model_id"]): _runcomfy_model(o) for o in runcomfy})
    return {
        "runware/models": _document(
            "runware", "Runware models: per-model rules for videoInference", rw_defs, allOf=rw_rules
        ),
        "runcomfy/models": _document(
            "runcomfy", "RunComfy models: one submit input schema per model_id", rc_defs
        ),
    }


def render(document: Mapping[str, Any]) -> str:
    """The exact text a generated file holds."""
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _write(docs: Mapping[str, Mapping[str, Any]], check: bool) -> Iterable[str]:
    """Write (or, with ``check``, compare) each document; yields the stale names."""
    for name, doc in docs.items():
        path = SCHEMA_DIR / f"{name}.json"
        text = render(doc)
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        if not check:
            path.write_text(text, encoding="utf-8")
        yield name


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m contracts.generate", description=__doc__)
    parser.add_argument("--catalog", type=Path, default=None, help="catalog JSON file or folder")
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    path = args.catalog or default_catalog_path()
    try:
        docs = model_documents(read_catalog(path))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        print(f"contracts.generate: cannot read the catalog {path}: {exc}", file=sys.stderr)
        return 2
    stale = list(_write(docs, args.check))
    for name in stale:
        verb = "is out of date" if args.check else "written"
        print(f"contracts/schemas/{name}.json {verb}", file=sys.stderr)
    return 1 if args.check and stale else 0


if __name__ == "__main__":
    sys.exit(main())
