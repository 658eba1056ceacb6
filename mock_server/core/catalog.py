"""The model catalog: the one source of truth for model facts.

The built-in catalog is every ``*.json`` file in ``catalog.d/`` beside this module (in
name order); user files (``sora-mock serve --catalog FILE``) extend it, and an entry with
the same provider and model id replaces the built-in one. Validation, pricing, clips,
contracts, ``/openapi.json``, discovery and the dashboard all read it.

Format (``"format": "sora-mock/catalog@2"``; full guide in ``docs/catalog.md``)::

    {"format": "sora-mock/catalog@2",
     "families": {"<family>": {"title", "vendor", "released_on", "deprecated_on",
                               "retires_on", "sources": {...}}},
     "offers": [{
        "provider": "runcomfy" | "runware",
        "model_id": "<the provider's wire id>",   "aliases": ["<other wire ids>"],
        "family": "<family>", "title": "...", "mode": "text-to-video" | ...,
        "category": "video",                      # discovery category (default "video")
        "input_schema": {<the published JSON Schema (2020-12) of the request fields>},
        "fields": {"<role>": "<wire field, dotted for nested: providerSettings.google.x>"},
        "output": {"sizes": {"1280x720": "720p"},           # pixel size -> price tier
                   "resolutions": {"720p": {"16:9": "1280x720", "9:16": "720x1280"}},
                   "default_size": "1280x720", "default_duration": 8,
                   "fps": 24, "audio": "never" | "always" | "optional"},
        "pricing": {"per_second": {"720p": "0.10"},      # USD per second, by tier
                    "audio_per_second": {"720p": "0.05"},  # surcharge when audio is on
                    "per_clip": "0.00",                    # added once per clip
                    "clips": {"768p": {"6": "0.28"}}},     # fixed prices by tier, seconds
        "prompt_max_chars": 4000,                # only when the schema sets no maxLength
        "released_on", "deprecated_on", "retires_on": "YYYY-MM-DD" (else the family's),
        "sources": {"<fact>": "URL or SDK file", "<fact>": "INFERRED: why"}}]}

Roles (the meaning of a wire field): ``prompt``, ``negative_prompt``, ``duration``,
``size`` ("WxH"), ``width``, ``height``, ``resolution``, ``aspect_ratio``, ``fps``,
``audio`` (on/off), ``first_frame``, ``last_frame``, ``reference_images``,
``reference_videos``, ``video`` (an input video to extend or remix), ``seed``,
``provider_settings``. ``sources`` keys name a fact (``input_schema``, ``pricing``,
``output.fps``, ...); a value starting with ``INFERRED`` marks a guess.

An entry without ``input_schema`` in the first format (``sizes``, ``durations``,
``price_per_second``, ``image_input``, ``video_input``) is still read: see
:mod:`mock_server.core.catalog_legacy`.

>>> cat = Catalog.load()
>>> offer = cat.get("runware", "openai:3@1")
>>> offer.cost("1280x720", 8)
Decimal('0.80')
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from mock_server.core.catalog_legacy import upgrade
from mock_server.core.catalog_values import (
    AUDIO_MODES,
    DEFAULT_PROMPT_MAX,
    ROLES,
    allowed_ints,
    epoch,
    forbidden,
    parse_date,
    seconds_of,
)
from mock_server.core.errors import UnknownModel
from mock_server.core.pricing import PriceRule
from mock_server.core.request_check import check_request

if TYPE_CHECKING:
    from mock_server.core.jobs import JobRequest

__all__ = [
    "FORMAT",
    "ROLES",
    "Catalog",
    "CatalogError",
    "ModelOffer",
    "read_documents",
    "seconds_of",
]

FORMAT = "sora-mock/catalog@2"


class CatalogError(ValueError):
    """A catalog file that cannot be read; the message names the file and the entry."""


@dataclass(frozen=True, slots=True)
class ModelOffer:
    """One model as one provider sells it: its published input schema, what each field
    means, what it outputs, what it costs and when it is retired."""

    provider: str
    model_id: str
    family: str
    title: str
    mode: str
    input_schema: dict[str, Any]
    fields: dict[str, str]
    sizes: dict[str, str]  # pixel size "WxH" -> price tier
    resolutions: dict[str, dict[str, str]]
    fps: int
    audio: str
    pricing: PriceRule
    default_size: str | None
    default_duration: int | None
    prompt_max_chars: int
    deprecated_on: date | None
    retires_on: date | None
    released_on: date | None = None
    category: str = "video"
    aliases: tuple[str, ...] = ()
    sources: dict[str, str] = field(default_factory=dict)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    # -- the schema, read ------------------------------------------------------
    @property
    def properties(self) -> dict[str, Any]:
        props = self.input_schema.get("properties", {})
        return props if isinstance(props, dict) else {}

    def field_schema(self, role: str) -> dict[str, Any] | None:
        """The schema of the field that plays ``role`` (nested ones through their objects'
        ``properties``), if the model has one."""
        name = self.fields.get(role)
        if name is None:
            return None
        schema: Any = {"properties": self.properties}
        for part in name.split("."):
            props = schema.get("properties") if isinstance(schema, dict) else None
            schema = props.get(part) if isinstance(props, dict) else None
        return schema if isinstance(schema, dict) else None

    def required(self, role: str) -> bool:
        name = self.fields.get(role)
        return name is not None and name in self.input_schema.get("required", [])

    @property
    def durations(self) -> tuple[int, ...]:
        """Every whole duration the model accepts (enum, or integer range)."""
        schema = self.field_schema("duration")
        if schema is not None:
            values = allowed_ints(schema)
            if values:
                return values
        raw = self.raw.get("durations")
        if raw:
            return tuple(int(d) for d in raw)
        return (self.default_duration,) if self.default_duration else ()

    @property
    def image_input(self) -> str:
        """``required``, ``optional`` or ``none``: the first-frame image."""
        if "first_frame" not in self.fields or forbidden(self.field_schema("first_frame")):
            return "none"
        return "required" if self.required("first_frame") else "optional"

    @property
    def video_input(self) -> bool:
        return "video" in self.fields and not forbidden(self.field_schema("video"))

    @property
    def size_list(self) -> list[str]:
        return list(self.sizes)

    @property
    def price_per_second(self) -> dict[str, Decimal]:
        return dict(self.pricing.per_second)

    def tier(self, size: str) -> str:
        return self.sizes[size]

    def price_for(self, size: str) -> Decimal:
        """USD per second of video at ``size`` (without audio; 0 when the tier is priced
        only per clip: see :meth:`cost`)."""
        return self.pricing.rate(self.tier(size))

    def cost(
        self, size: str, seconds: int | float, count: int = 1, *, audio: bool = False
    ) -> Decimal:
        """USD for ``count`` clips of ``seconds`` at ``size``, with or without audio."""
        return self.pricing.cost(self.tier(size), seconds, count, audio=audio)

    def audio_for(self, requested: bool | None) -> bool:
        """Whether a clip has sound: never, always, or as requested (else the default)."""
        if self.audio == "never":
            return False
        if self.audio == "always":
            return True
        if requested is not None:
            return requested
        schema = self.field_schema("audio")
        return bool(schema.get("default", True)) if schema is not None else True

    def validate(self, req: JobRequest) -> None:
        """Raise InvalidParameter unless this model can run ``req``."""
        check_request(self, req)

    def is_retired(self, now: float) -> bool:
        return self.retires_on is not None and epoch(self.retires_on) <= now

    def is_deprecated(self, now: float) -> bool:
        return self.deprecated_on is not None and epoch(self.deprecated_on) <= now

    def to_json(self) -> dict[str, Any]:
        """The entry in the catalog file format (dates and defaults filled in)."""
        doc = {k: v for k, v in self.raw.items() if k not in ("sizes", "durations")}
        doc |= {"provider": self.provider, "model_id": self.model_id, "title": self.title}
        doc |= {"family": self.family, "mode": self.mode, "category": self.category}
        doc["input_schema"] = self.input_schema
        doc["fields"] = dict(self.fields)
        doc["output"] = {
            "sizes": dict(self.sizes),
            "resolutions": self.resolutions,
            "default_size": self.default_size,
            "default_duration": self.default_duration,
            "fps": self.fps,
            "audio": self.audio,
        }
        doc["pricing"] = self.pricing.to_json()
        doc["prompt_max_chars"] = self.prompt_max_chars
        for key in ("released_on", "deprecated_on", "retires_on"):
            value = getattr(self, key)
            doc[key] = value.isoformat() if value else None
        doc["aliases"] = list(self.aliases)
        doc["sources"] = dict(self.sources)
        return doc


@functools.lru_cache(maxsize=1024)
def _schema_problem(schema_json: str) -> str | None:
    """Why a model's input schema is not a valid JSON Schema (None if it is). Checking a
    schema against the metaschema is slow and every app loads the catalog: the answer is
    kept per schema text."""
    try:
        Draft202012Validator.check_schema(json.loads(schema_json))
    except SchemaError as exc:
        return str(exc.message)
    return None


def _offer(raw: dict[str, Any], families: Mapping[str, Mapping[str, Any]]) -> ModelOffer:
    raw = upgrade(raw)
    fam = families.get(raw["family"], {})
    out = raw.get("output", {})
    schema = raw["input_schema"]
    if not isinstance(schema, dict):
        raise CatalogError("input_schema must be a JSON Schema object")
    problem = _schema_problem(json.dumps(schema, sort_keys=True))
    if problem is not None:
        raise CatalogError(f"input_schema is not a valid JSON Schema: {problem}")
    fields = dict(raw.get("fields", {}))
    unknown = set(fields) - ROLES
    if unknown:
        raise CatalogError(f"unknown roles {sorted(unknown)}")
    audio = out.get("audio", "never")
    if audio not in AUDIO_MODES:
        raise CatalogError(f"output.audio must be one of {AUDIO_MODES}, not {audio!r}")
    sizes = dict(out.get("sizes") or {})
    resolutions = {t: dict(v) for t, v in (out.get("resolutions") or {}).items()}
    for tier, by_ratio in resolutions.items():
        for size in by_ratio.values():
            sizes.setdefault(size, tier)
    if not sizes:
        raise CatalogError("output.sizes (or output.resolutions) names no pixel size")
    pricing = PriceRule.from_json(raw["pricing"])
    missing = {t for t in sizes.values() if not pricing.prices(t)}
    if missing:
        raise CatalogError(f"pricing has no price for tier(s) {sorted(missing)}")
    prompt = schema.get("properties", {}).get(fields.get("prompt", ""), {})
    prompt_max = prompt.get("maxLength") if isinstance(prompt, dict) else None
    duration = schema.get("properties", {}).get(fields.get("duration", ""), {})
    default_size = out.get("default_size")
    size = schema.get("properties", {}).get(fields.get("size", ""), {})
    if default_size is None and isinstance(size, dict) and size.get("default") in sizes:
        default_size = size["default"]
    default_duration = out.get("default_duration")
    if default_duration is None and isinstance(duration, dict):
        default_duration = seconds_of(duration.get("default"))
    return ModelOffer(
        provider=raw["provider"],
        model_id=raw["model_id"],
        family=raw["family"],
        title=raw.get("title", fam.get("title", raw["family"])),
        mode=raw.get("mode", "video"),
        input_schema=schema,
        fields=fields,
        sizes=sizes,
        resolutions=resolutions,
        fps=int(out.get("fps", 24)),
        audio=audio,
        pricing=pricing,
        default_size=default_size,
        default_duration=int(default_duration) if default_duration is not None else None,
        prompt_max_chars=int(prompt_max or raw.get("prompt_max_chars", DEFAULT_PROMPT_MAX)),
        deprecated_on=parse_date(raw.get("deprecated_on", fam.get("deprecated_on"))),
        retires_on=parse_date(raw.get("retires_on", fam.get("retires_on"))),
        released_on=parse_date(raw.get("released_on", fam.get("released_on"))),
        category=raw.get("category", "video"),
        aliases=tuple(raw.get("aliases", ())),
        sources=dict(raw.get("sources", {})),
        raw=raw,
    )


def builtin_paths() -> list[Path]:
    """The built-in catalog files, in load order."""
    folder = Path(str(resources.files(__package__).joinpath("catalog.d")))
    return sorted(folder.glob("*.json"))


def read_documents(path: str | Path) -> list[dict[str, Any]]:
    """The catalog documents in ``path``: one JSON file, or every ``*.json`` in a folder."""
    p = Path(path)
    files = sorted(p.glob("*.json")) if p.is_dir() else [p]
    docs = []
    for f in files:
        try:
            doc = json.loads(f.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CatalogError(f"{f}: {exc}") from None
        if not isinstance(doc, dict):
            raise CatalogError(f"{f}: a catalog file holds one JSON object")
        docs.append(doc | {"_path": str(f)})
    return docs


class Catalog:
    """Every model offer, indexed by provider and wire model id (aliases included)."""

    def __init__(self, offers: Iterable[ModelOffer]) -> None:
        self._offers: dict[tuple[str, str], ModelOffer] = {}
        self._aliases: dict[tuple[str, str], ModelOffer] = {}
        for offer in offers:
            self._offers[(offer.provider, offer.model_id)] = offer
        for offer in self._offers.values():
            for alias in offer.aliases:
                self._aliases[(offer.provider, alias)] = offer

    @classmethod
    def load(cls, extra: Iterable[str | Path] = ()) -> Catalog:
        """The built-in catalog, extended by each JSON file (or folder) in ``extra``."""
        docs = [d for p in builtin_paths() for d in read_documents(p)]
        docs += [d for p in extra for d in read_documents(p)]
        families: dict[str, dict[str, Any]] = {}
        offers: list[ModelOffer] = []
        for doc in docs:
            families.update(doc.get("families", {}))
        for doc in docs:
            for i, raw in enumerate(doc.get("offers", [])):
                try:
                    offers.append(_offer(raw, families))
                except (KeyError, TypeError, ValueError, AttributeError, ArithmeticError) as exc:
                    name = raw.get("model_id", f"#{i}") if isinstance(raw, dict) else f"#{i}"
                    why = f"missing {exc}" if isinstance(exc, KeyError) else str(exc)
                    raise CatalogError(f"{doc['_path']}: offer {name}: {why}") from None
        return cls(offers)

    def get(self, provider: str, model_id: str) -> ModelOffer:
        offer = self.find(provider, model_id)
        if offer is None:
            raise UnknownModel(model_id)
        return offer

    def find(self, provider: str, model_id: str) -> ModelOffer | None:
        key = (provider, model_id)
        return self._offers.get(key) or self._aliases.get(key)

    def for_provider(self, provider: str) -> list[ModelOffer]:
        return [o for (p, _), o in self._offers.items() if p == provider]

    def __iter__(self) -> Iterator[ModelOffer]:
        return iter(self._offers.values())

    def to_json(self) -> dict[str, Any]:
        """The whole catalog in the file format, as :mod:`contracts.generate` reads it."""
        return {"format": FORMAT, "offers": [o.to_json() for o in self]}
