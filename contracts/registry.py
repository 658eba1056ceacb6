"""Load the contracts once and validate documents against them.

>>> from contracts import Contracts
>>> c = Contracts.default()                      # every schema, loaded once
>>> c.errors("runcomfy/status-response", {"request_id": "r1", "status": "done"})
[Violation(path='$.status', message="'done' is not one of [...]", ...)]
>>> c.check("runware/request", [{"taskType": "ping", "ping": True}])   # raises if wrong
>>> c.check(c.runcomfy_submit("openai/sora-2/text-to-video"), {"prompt": "a cat"})

A *ref* is a schema name (``runware/response``, the file path under ``schemas/``
without ``.json``), optionally followed by a JSON pointer (``runcomfy/models#/$defs/x``).
Schemas reach each other through their ``$id`` in a :mod:`referencing` registry; nothing
is ever fetched from the network.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError, best_match
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

__all__ = ["BASE_URI", "ContractError", "Contracts", "Violation", "json_path", "slug"]

BASE_URI = "https://contracts.sora-mock.invalid/"
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def slug(model_id: str) -> str:
    """A ``$defs`` key for a model id: ``openai/sora-2/pro/text-to-video`` ->
    ``openai-sora-2-pro-text-to-video``, ``openai:3@1`` -> ``openai-3-1``."""
    return re.sub(r"[^a-z0-9]+", "-", model_id.lower()).strip("-")


@dataclass(frozen=True, slots=True)
class Violation:
    """One way a document breaks its contract, at a JSONPath such as ``$.data[0].status``."""

    path: str
    message: str
    schema_path: str = ""

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ContractError(ValueError):
    """A document does not match its schema; ``violations`` says where and why."""

    def __init__(self, ref: str, violations: list[Violation]) -> None:
        first = violations[0] if violations else Violation("$", "invalid")
        more = f" (and {len(violations) - 1} more)" if len(violations) > 1 else ""
        super().__init__(f"{ref}: {first}{more}")
        self.ref = ref
        self.violations = violations

    @property
    def path(self) -> str:
        return self.violations[0].path if self.violations else "$"


def json_path(parts: Iterator[Any] | list[Any] | tuple[Any, ...]) -> str:
    """``["data", 0, "status"]`` -> ``$.data[0].status``."""
    out = "$"
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENT.match(str(part)):
            out += f".{part}"
        else:
            out += f"[{json.dumps(str(part))}]"
    return out


def _violations(error: ValidationError) -> list[Violation]:
    """Point at each offending field itself, not only at the object that holds it."""
    leaf = best_match([error]) if error.context else error
    parts = list(leaf.absolute_path)
    schema_path = "/".join(str(p) for p in leaf.absolute_schema_path)
    instance, kind = leaf.instance, leaf.validator
    if kind in ("required", "dependentRequired") and isinstance(instance, dict):
        wanted = leaf.validator_value
        if kind == "dependentRequired":
            wanted = [n for k, names in wanted.items() if k in instance for n in names]
        missing = [name for name in wanted if name not in instance]
        if missing:
            return [
                Violation(json_path([*parts, name]), "is required but missing", schema_path)
                for name in missing
            ]
    if kind == "additionalProperties" and isinstance(instance, dict):
        known = set(leaf.schema.get("properties", {}))
        extra = sorted(k for k in instance if k not in known)
        if extra:
            return [
                Violation(json_path([*parts, name]), "is not an allowed field here", schema_path)
                for name in extra
            ]
    message = leaf.message
    if kind in ("anyOf", "oneOf"):
        message = "matches none of the allowed forms: " + " | ".join(
            _describe(branch) for branch in leaf.validator_value
        )
    elif kind is None or (kind == "not" and leaf.validator_value == {}):
        message = "is not allowed here"
    return [Violation(json_path(parts), message, schema_path)]


def _describe(branch: Any, prefix: str = "") -> str:
    """A short human form of an anyOf branch: its required fields, dotted."""
    if not isinstance(branch, dict):
        return str(branch)
    names = [prefix + n for n in branch.get("required", [])]
    for key, sub in branch.get("properties", {}).items():
        if isinstance(sub, dict) and "required" in sub:
            names = [n for n in names if n != prefix + key]
            names.append(_describe(sub, f"{prefix}{key}."))
    if names:
        return " + ".join(names)
    kind = branch.get("type") or branch.get("$ref", "").rsplit("/", 1)[-1] or "schema"
    return str(kind)


def _packaged() -> dict[str, dict[str, Any]]:
    root = resources.files("contracts").joinpath("schemas")
    docs: dict[str, dict[str, Any]] = {}

    def walk(node: Traversable, prefix: str) -> None:
        for child in sorted(node.iterdir(), key=lambda c: c.name):
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            elif child.name.endswith(".json"):
                docs[prefix + child.name[:-5]] = json.loads(child.read_text(encoding="utf-8"))

    walk(root, "")
    return docs


class Contracts:
    """Every schema in one :class:`referencing.Registry`, with cached validators."""

    _default: Contracts | None = None
    _lock = threading.Lock()

    def __init__(self, documents: Mapping[str, dict[str, Any]]) -> None:
        self.documents = dict(documents)
        pairs = [
            (doc["$id"], Resource.from_contents(doc, default_specification=DRAFT202012))
            for doc in self.documents.values()
        ]
        self.registry: Registry[Any] = Registry().with_resources(pairs).crawl()
        self._validators: dict[str, Draft202012Validator] = {}

    @classmethod
    def default(cls) -> Contracts:
        """The packaged contracts, loaded on first use and shared afterwards."""
        with cls._lock:
            if cls._default is None:
                cls._default = cls(_packaged())
            return cls._default

    @classmethod
    def with_overrides(cls, overrides: Mapping[str, dict[str, Any]]) -> Contracts:
        """The packaged contracts with some documents replaced, e.g. ``models`` documents
        generated from a live catalog by :func:`contracts.generate.model_documents`."""
        return cls({**_packaged(), **overrides})

    @property
    def names(self) -> list[str]:
        return sorted(self.documents)

    def schema(self, name: str) -> dict[str, Any]:
        """The schema document called ``name`` (treat it as read-only)."""
        return self.documents[name]

    def uri(self, ref: str) -> str:
        name, _, pointer = ref.partition("#")
        if name not in self.documents:
            raise KeyError(f"no contract named {name!r}")
        return f"{BASE_URI}{name}.json" + (f"#{pointer}" if pointer else "")

    def validator(self, ref: str) -> Draft202012Validator:
        found = self._validators.get(ref)
        if found is None:
            found = Draft202012Validator({"$ref": self.uri(ref)}, registry=self.registry)
            self._validators[ref] = found
        return found

    def errors(self, ref: str, document: Any) -> list[Violation]:
        """Every violation of ``ref`` by ``document``, ordered by path; [] when valid."""
        seen: dict[tuple[str, str], Violation] = {}
        for error in self.validator(ref).iter_errors(document):
            for v in _violations(error):
                seen.setdefault((v.path, v.message), v)
        return sorted(seen.values(), key=lambda v: (v.path, v.message))

    def check(self, ref: str, document: Any) -> None:
        """Raise :class:`ContractError` unless ``document`` satisfies ``ref``."""
        violations = self.errors(ref, document)
        if violations:
            raise ContractError(ref, violations)

    # -- provider helpers ---------------------------------------------------------
    def models(self, provider: str) -> list[str]:
        """The model ids a provider's contracts know (from the catalog)."""
        return list(self.schema(f"{provider}/models")["$defs"]["model"]["enum"])

    def runcomfy_submit(self, model_id: str) -> str:
        """The ref of the submit input schema of a RunComfy model; KeyError if unknown."""
        key = slug(model_id)
        if model_id not in self.models("runcomfy"):
            raise KeyError(f"no RunComfy contract for model {model_id!r}")
        return f"runcomfy/models#/$defs/{key}"
