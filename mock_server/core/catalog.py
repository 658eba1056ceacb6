"""The model catalog: the one source of truth for model facts.

Loaded from ``catalog.json`` beside this file, optionally extended or overridden by
user files (same shape; an offer with the same provider and model id replaces the
built-in one). Schemas, validation and pricing all read it.

>>> cat = Catalog.load()
>>> offer = cat.get("runware", "openai:3@1")
>>> offer.cost("1280x720", 8)
Decimal('0.80')
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from mock_server.core.errors import UnknownModel

__all__ = ["Catalog", "ModelOffer"]


@dataclass(frozen=True, slots=True)
class ModelOffer:
    """One model as one provider sells it."""

    provider: str
    model_id: str
    family: str
    title: str
    mode: str
    sizes: dict[str, str]
    durations: tuple[int, ...]
    default_size: str | None
    default_duration: int | None
    price_per_second: dict[str, Decimal]
    image_input: str  # "none" | "optional" | "required"
    video_input: bool
    prompt_max_chars: int
    deprecated_on: date | None
    retires_on: date | None

    def tier(self, size: str) -> str:
        return self.sizes[size]

    def price_for(self, size: str) -> Decimal:
        """USD per second of video at ``size``."""
        return self.price_per_second[self.tier(size)]

    def cost(self, size: str, seconds: int | float, count: int = 1) -> Decimal:
        """USD for ``count`` clips of ``seconds`` at ``size``: price per second x seconds."""
        return (self.price_for(size) * Decimal(str(seconds)) * count).quantize(Decimal("0.01"))

    def is_retired(self, now: float) -> bool:
        return self.retires_on is not None and _epoch(self.retires_on) <= now

    def is_deprecated(self, now: float) -> bool:
        return self.deprecated_on is not None and _epoch(self.deprecated_on) <= now

    @property
    def size_list(self) -> list[str]:
        return list(self.sizes)


def _epoch(d: date) -> float:
    return datetime(d.year, d.month, d.day, tzinfo=UTC).timestamp()


def _date(value: Any) -> date | None:
    return date.fromisoformat(value) if value else None


def _offer(raw: dict[str, Any], families: dict[str, dict[str, Any]]) -> ModelOffer:
    fam = families.get(raw["family"], {})
    return ModelOffer(
        provider=raw["provider"],
        model_id=raw["model_id"],
        family=raw["family"],
        title=raw.get("title", fam.get("title", raw["family"])),
        mode=raw.get("mode", "video"),
        sizes=dict(raw["sizes"]),
        durations=tuple(int(d) for d in raw["durations"]),
        default_size=raw.get("default_size"),
        default_duration=raw.get("default_duration"),
        price_per_second={k: Decimal(str(v)) for k, v in raw["price_per_second"].items()},
        image_input=raw.get("image_input", "none"),
        video_input=bool(raw.get("video_input", False)),
        prompt_max_chars=int(raw.get("prompt_max_chars", 4000)),
        deprecated_on=_date(raw.get("deprecated_on", fam.get("deprecated_on"))),
        retires_on=_date(raw.get("retires_on", fam.get("retires_on"))),
    )


class Catalog:
    """Every model offer, indexed by provider and wire model id."""

    def __init__(self, offers: Iterable[ModelOffer]) -> None:
        self._offers: dict[tuple[str, str], ModelOffer] = {}
        for offer in offers:
            self._offers[(offer.provider, offer.model_id)] = offer

    @classmethod
    def load(cls, extra: Iterable[str | Path] = ()) -> Catalog:
        """The built-in catalog, extended by each JSON file in ``extra`` in order."""
        docs = [json.loads(resources.files(__package__).joinpath("catalog.json").read_text())]
        docs += [json.loads(Path(p).read_text()) for p in extra]
        families: dict[str, dict[str, Any]] = {}
        offers: list[ModelOffer] = []
        for doc in docs:
            families.update(doc.get("families", {}))
        for doc in docs:
            offers += [_offer(raw, families) for raw in doc.get("offers", [])]
        return cls(offers)

    def get(self, provider: str, model_id: str) -> ModelOffer:
        try:
            return self._offers[(provider, model_id)]
        except KeyError:
            raise UnknownModel(model_id) from None

    def find(self, provider: str, model_id: str) -> ModelOffer | None:
        return self._offers.get((provider, model_id))

    def for_provider(self, provider: str) -> list[ModelOffer]:
        return [o for (p, _), o in self._offers.items() if p == provider]

    def __iter__(self) -> Iterator[ModelOffer]:
        return iter(self._offers.values())
