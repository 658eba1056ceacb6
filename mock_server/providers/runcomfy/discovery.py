"""RunComfy's model catalog endpoints, served from the emulator's catalog.

    GET /v1/models?search=&category=&kind=&include_schema=&limit=&offset=
    GET /v1/models/categories
    GET /v1/models/{model_id}

Shapes from RunComfy's own CLI (runcomfy-com/runcomfy-cli ``src/cmd/models.rs``: a
``models`` list and a ``total``; each entry's ``model_id``, ``display_name``,
``categories``, ``base_price_usd`` and ``price_unit``) and node pack
(runcomfy-com/comfyui-runcomfy-partner-nodes ``scripts/update_model_catalog.py``:
``kind: "model"`` and ``input_schema`` with ``include_schema=true``). The page size
(default 20, at most 100) is INFERRED.
"""

from __future__ import annotations

from typing import Any

from mock_server.core.catalog import Catalog, ModelOffer
from mock_server.providers.runcomfy.wire import money

__all__ = ["DEFAULT_LIMIT", "MAX_LIMIT", "categories", "entry", "listing", "parse_query"]

DEFAULT_LIMIT = 20  # INFERRED
MAX_LIMIT = 100  # INFERRED
KIND = "model"


def entry(offer: ModelOffer, *, schema: bool) -> dict[str, Any]:
    """One catalog entry: name, categories, price per second (the cheapest tier)."""
    prices = sorted(offer.pricing.per_second.items(), key=lambda kv: kv[1])
    tiers = {t: [s for s, st in offer.sizes.items() if st == t or t == "*"] for t, _ in prices}
    note = "; ".join(f"{money(p)} USD per second at {', '.join(tiers[t])}" for t, p in prices)
    if offer.pricing.audio_per_second:
        extra = min(offer.pricing.audio_per_second.values())
        note += f"; {money(extra)} USD per second more with sound"
    out: dict[str, Any] = {
        "model_id": offer.model_id,
        "display_name": offer.title,
        "kind": KIND,
        "categories": [offer.mode] if offer.mode != "video" else ["video"],
        "base_price_usd": money(prices[0][1]) if prices else 0.0,
        "price_unit": "second",
        "pricing_note": note,
    }
    if schema:
        out["input_schema"] = offer.input_schema
    return out


def _truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def parse_query(params: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The listing's query (search, category, kind, include_schema, limit, offset) and
    pydantic-style problems for values that are not whole numbers in range."""
    problems: list[dict[str, Any]] = []
    query: dict[str, Any] = {
        "search": (params.get("search") or "").strip().lower(),
        "category": (params.get("category") or "").strip(),
        "kind": (params.get("kind") or "").strip(),
        "include_schema": _truthy(params.get("include_schema")),
    }
    for name, default, low, high in (
        ("limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
        ("offset", 0, 0, None),
    ):
        raw = params.get(name)
        text = (raw or "").strip()
        if raw is None or text == "":
            query[name] = default
            continue
        if not (text.isascii() and text.isdigit() and len(text) < 10):
            problems.append(
                {
                    "loc": ["query", name],
                    "msg": "Input should be a valid integer",
                    "type": "int_type",
                }
            )
            continue
        value = int(text)
        if value < low or (high is not None and value > high):
            bound = f"between {low} and {high}" if high is not None else f">= {low}"
            problems.append(
                {"loc": ["query", name], "msg": f"Input should be {bound}", "type": "value_error"}
            )
            continue
        query[name] = value
    return query, problems


def listing(catalog: Catalog, provider: str, query: dict[str, Any]) -> dict[str, Any]:
    """The page of catalog entries that match the query, and how many match in all."""
    found = []
    for offer in catalog.for_provider(provider):
        item = entry(offer, schema=query["include_schema"])
        text = f"{offer.model_id} {offer.title} {offer.family}".lower()
        if query["search"] and query["search"] not in text:
            continue
        if query["category"] and query["category"] not in item["categories"]:
            continue
        if query["kind"] and query["kind"] != KIND:
            continue
        found.append(item)
    start = query["offset"]
    return {
        "models": found[start : start + query["limit"]],
        "total": len(found),
        "limit": query["limit"],
        "offset": start,
    }


def categories(catalog: Catalog, provider: str) -> dict[str, Any]:
    seen: dict[str, None] = {}
    for offer in catalog.for_provider(provider):
        for name in entry(offer, schema=False)["categories"]:
            seen.setdefault(name, None)
    return {"categories": sorted(seen)}
