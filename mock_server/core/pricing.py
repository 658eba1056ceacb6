"""A model's price rule: per second by price tier, an audio surcharge, a per-clip fee,
and fixed prices for some (tier, duration) pairs.

>>> rule = PriceRule.from_json({"per_second": {"1080p": "0.10"},
...                             "audio_per_second": {"1080p": "0.05"}})
>>> rule.cost("1080p", 8), rule.cost("1080p", 8, audio=True)
(Decimal('0.80'), Decimal('1.20'))
>>> PriceRule.from_json({"clips": {"768p": {"6": "0.28"}}}).cost("768p", 6)
Decimal('0.28')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = ["PriceRule"]

CENT = Decimal("0.01")
FINE = Decimal("0.0001")


def _money(value: Any) -> Decimal:
    amount = Decimal(str(value))
    if not amount.is_finite() or amount < 0:
        raise ValueError(f"a price must be a finite amount >= 0, not {value!r}")
    return amount


def _by_tier(raw: Any) -> dict[str, Decimal]:
    """``{"720p": "0.10"}``; a bare amount applies to every tier (key ``*``)."""
    if raw is None:
        return {}
    if isinstance(raw, Mapping):
        return {str(k): _money(v) for k, v in raw.items()}
    return {"*": _money(raw)}


def _round(amount: Decimal) -> Decimal:
    """Cents when the amount is whole cents, else four decimal places (0.378, 0.965)."""
    fine = amount.quantize(FINE)
    cents = fine.quantize(CENT)
    return cents if cents == fine else fine


@dataclass(frozen=True, slots=True)
class PriceRule:
    per_second: dict[str, Decimal] = field(default_factory=dict)
    audio_per_second: dict[str, Decimal] = field(default_factory=dict)
    per_clip: Decimal = Decimal(0)
    clips: dict[str, dict[int, Decimal]] = field(default_factory=dict)

    @classmethod
    def from_json(cls, raw: Mapping[str, Any]) -> PriceRule:
        clips = {
            str(tier): {int(s): _money(v) for s, v in table.items()}
            for tier, table in (raw.get("clips") or {}).items()
        }
        return cls(
            per_second=_by_tier(raw.get("per_second")),
            audio_per_second=_by_tier(raw.get("audio_per_second")),
            per_clip=_money(raw.get("per_clip", 0)),
            clips=clips,
        )

    def to_json(self) -> dict[str, Any]:
        doc: dict[str, Any] = {"per_second": {k: str(v) for k, v in self.per_second.items()}}
        if self.audio_per_second:
            doc["audio_per_second"] = {k: str(v) for k, v in self.audio_per_second.items()}
        if self.per_clip:
            doc["per_clip"] = str(self.per_clip)
        if self.clips:
            doc["clips"] = {
                t: {str(s): str(v) for s, v in c.items()} for t, c in self.clips.items()
            }
        return doc

    def prices(self, tier: str) -> bool:
        """Whether the rule prices ``tier`` at all."""
        return tier in self.per_second or "*" in self.per_second or tier in self.clips

    def rate(self, tier: str, *, audio: bool = False) -> Decimal:
        """USD per second at ``tier``: the base rate plus the audio surcharge if on."""
        base = self.per_second.get(tier, self.per_second.get("*", Decimal(0)))
        if audio:
            base += self.audio_per_second.get(tier, self.audio_per_second.get("*", Decimal(0)))
        return base

    def cost(
        self, tier: str, seconds: int | float, count: int = 1, *, audio: bool = False
    ) -> Decimal:
        """USD for ``count`` clips of ``seconds`` at ``tier``."""
        fixed = self.clips.get(tier, {}).get(int(seconds)) if float(seconds).is_integer() else None
        one = self.rate(tier, audio=audio) * Decimal(str(seconds)) if fixed is None else fixed
        return _round((one + self.per_clip) * count)
