"""Which models a run covers, and what a live run may spend.

Every test states what it is about to send before it sends anything::

    gate.require("runcomfy", offer, cost=offer.cost("720x1280", 4), what="one 4 s clip")

On an emulator that is a no-op (apart from skipping models the emulator does not
serve). On a live target it skips (with a reason) when the provider's key is missing,
when the model is not one of the run's live models, or when the cost would take the
run past ``--live-budget``; otherwise it books the cost. Prices come from the catalog.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from mock_server.core.catalog import Catalog, ModelOffer
from tests.contract_suite.options import KEY_VARIABLES

__all__ = ["LiveGate", "cheapest", "default_live_models"]


def cheapest(offer: ModelOffer) -> tuple[str, int, Decimal]:
    """(size, seconds, USD) of the cheapest clip the model makes."""
    seconds = min(offer.durations)
    size = min(offer.sizes, key=lambda s: (offer.cost(s, seconds), s))
    return size, seconds, offer.cost(size, seconds)


def default_live_models(catalog: Catalog, today: date) -> dict[str, ModelOffer | None]:
    """Per provider, the cheapest model not yet retired (text input only where possible)."""
    out: dict[str, ModelOffer | None] = {}
    for provider in KEY_VARIABLES:
        offers = [
            o
            for o in catalog.for_provider(provider)
            if o.retires_on is None or o.retires_on > today
        ]
        offers.sort(key=lambda o: (o.image_input == "required", cheapest(o)[2], o.model_id))
        out[provider] = offers[0] if offers else None
    return out


@dataclass(slots=True)
class LiveGate:
    """Keys, live models and the budget of one run; emulator runs pass every check."""

    live: bool
    budget: Decimal
    keys: dict[str, str | None]
    models: dict[str, ModelOffer | None]
    served: set[tuple[str, str]] | None = None  # what an emulator target serves
    catalog_retirements: dict[str, date | None] = field(default_factory=dict)
    spent: Decimal = Decimal("0.00")
    skipped: dict[str, int] = field(default_factory=dict)
    ran: list[str] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        live: bool,
        budget: Decimal,
        keys: dict[str, str | None],
        catalog: Catalog,
        chosen: tuple[str, ...],
        today: date | None = None,
    ) -> LiveGate:
        """``chosen`` are ``--live-model`` ids; without them, per provider, the cheapest
        model not retired ``today`` (by default the real date)."""
        models = default_live_models(catalog, today or datetime.now(UTC).date())
        if chosen:
            models = dict.fromkeys(KEY_VARIABLES)
            for model_id in chosen:
                matches = [o for o in catalog if o.model_id == model_id]
                if not matches:
                    raise pytest.UsageError(f"--live-model {model_id!r} is not in the catalog")
                models[matches[0].provider] = matches[0]
        retirements: dict[str, date | None] = {}
        for offer in catalog:
            last = retirements.get(offer.provider)
            if offer.retires_on is not None and (last is None or offer.retires_on > last):
                retirements[offer.provider] = offer.retires_on
        return cls(live, budget, keys, models, catalog_retirements=retirements)

    def _skip(self, why: str, reason: str) -> None:
        self.skipped[why] = self.skipped.get(why, 0) + 1
        pytest.skip(f"live: {reason}; nothing was sent")

    def require(
        self,
        provider: str,
        offer: ModelOffer | None = None,
        *,
        cost: Decimal = Decimal("0"),
        what: str = "",
    ) -> None:
        """Skip unless this target may run the test; on a live target, book ``cost``."""
        if not self.live:
            served = self.served
            if (
                offer is not None
                and served is not None
                and (provider, offer.model_id) not in served
            ):
                pytest.skip(f"the emulator does not serve {offer.model_id} (--catalog?)")
            return
        variable = KEY_VARIABLES[provider]
        if not self.keys.get(provider):
            self._skip("no key", f"{variable} is not set")
        if offer is not None:
            live_model = self.models.get(provider)
            if live_model is None:
                retired = self.catalog_retirements.get(provider)
                note = f" (the catalog's {provider} models retire by {retired})" if retired else ""
                self._skip(
                    "no live model",
                    f"no {provider} model to run{note}: name one with --live-model, "
                    "adding it with --catalog FILE if need be",
                )
            elif live_model.model_id != offer.model_id:
                self._skip(
                    "not the live model",
                    f"{offer.model_id} is not the {provider} live model "
                    f"({live_model.model_id}; change it with --live-model)",
                )
        if cost > 0 and self.spent + cost > self.budget:
            left = self.budget - self.spent
            self._skip(
                "budget",
                f"{what or 'this test'} would cost ${cost:.2f} (priced from the catalog) "
                f"but --live-budget has ${left:.2f} left of ${self.budget:.2f}",
            )
        self.spent += cost
        self.ran.append(f"{provider} ${cost:.2f} {what}".strip())

    def needs_the_emulator(self, reason: str) -> None:
        """Skip a check that only an emulator can run (counted for the summary)."""
        self._skip("needing the emulator", reason)

    def summary(self) -> str:
        """One line for the end of a live run."""
        skipped = ", ".join(f"{n} for {why}" for why, n in sorted(self.skipped.items()))
        models = ", ".join(o.model_id for o in self.models.values() if o is not None)
        billable = "" if self.spent else "nothing billable ran; "
        return (
            f"sora-mock live: budget ${self.budget:.2f}, booked ${self.spent:.2f} "
            f"(priced from the catalog); {billable}"
            f"live models: {models or 'none (name one with --live-model)'}; "
            f"{len(self.ran)} live checks ran; skipped: {skipped or 'none'}"
        )
