"""Finding Runware models: the ``modelSearch`` task and the schema registry the SDK reads.

``modelSearch`` (https://runware.ai/docs/platform/model-search) answers from the catalog::

    [{"taskType": "modelSearch", "taskUUID": "...", "search": "veo", "limit": 20}]
    -> {"data": [{"taskType": "modelSearch", "taskUUID": "...", "totalResults": 2,
                  "results": [{"air": "google:3@3", "name": "Veo 3.1 Fast", ...}]}]}

``runware-sdk`` 1.x looks a model up in Runware's schema registry when a task names no
``taskType`` (``runware/constants.py``: ``SCHEMAS_BASE_URL``, ``/registry.json`` and
``/resolve/<model>``). The emulator serves both under ``/schemas``:
``GET /schemas/registry.json`` (every Runware model of the catalog, user files included,
with its task type and slug) and ``GET /schemas/resolve/<model>`` (its request schema).
"""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from mock_server.core.catalog import ModelOffer
from mock_server.emulator import Emulator
from mock_server.providers.runware.checks import ENVELOPE
from mock_server.providers.runware.errors import RunwareError

__all__ = ["SEARCH_FIELDS", "SchemaRegistry", "model_search", "slug"]

DOCS_SEARCH = "https://runware.ai/docs/platform/model-search"
SEARCH_FIELDS = ("taskType", "taskUUID", "search", "tags", "category", "type", "architecture",
                 "visibility", "offset", "limit")  # fmt: skip
MAX_LIMIT = 100  # INFERRED: the docs give the default (20), not the maximum
_DOC_PAGE = re.compile(r"runware\.ai/docs/models/([a-z0-9-]+)")
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


def slug(offer: ModelOffer) -> str:
    """The model's slug, as Runware's model pages and the SDK's registry name it."""
    for source in offer.sources.values():
        m = _DOC_PAGE.search(source)
        if m and not source.startswith("INFERRED"):
            return m.group(1).removesuffix("-md")
    maker = offer.model_id.split(":")[0]
    return _NOT_SLUG.sub("-", f"{maker} {offer.family}".lower()).strip("-")


def _bad(code: str, parameter: str, message: str, **kw: Any) -> RunwareError:
    return RunwareError(code, message, parameter=parameter, documentation=DOCS_SEARCH, **kw)


def _int(task: dict[str, Any], name: str, default: int, low: int, high: int) -> int:
    value = task.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _bad(
            f"invalid{name.capitalize()}",
            name,
            f"Invalid value for {name} parameter. It must be an integer from {low} to {high}.",
            kind="integer",
        )
    return value


def _tags(offer: ModelOffer) -> list[str]:
    return [offer.model_id.split(":")[0], offer.family, offer.category]


def _item(offer: ModelOffer) -> dict[str, Any]:
    """One search result (fields from the model-search page; values INFERRED)."""
    return {
        "air": offer.model_id,
        "name": offer.title,
        "version": offer.mode,
        "category": offer.category,
        "architecture": offer.family,
        "tags": _tags(offer),
        "type": "base",
        "private": False,
        "comment": "",
    }


def model_search(task: dict[str, Any], offers: list[ModelOffer]) -> dict[str, Any]:
    """The ``modelSearch`` result item for ``task``; raises RunwareError when it is bad."""
    extra = sorted(k for k in task if k not in SEARCH_FIELDS)
    if extra:
        raise _bad("unsupportedParameter", extra[0], f"Unsupported parameter {extra[0]!r}.")
    search = task.get("search")
    if search is None:
        raise _bad("missingSearch", "search", "Missing search parameter.", kind="string")
    if not isinstance(search, str):
        raise _bad("invalidSearch", "search", "Invalid value for search parameter.", kind="string")
    for name in ("taskUUID", "category", "architecture", "type", "visibility"):
        if name in task and not isinstance(task[name], str):
            code = "invalidTaskUUID" if name == "taskUUID" else f"invalid{name.capitalize()}"
            raise _bad(code, name, f"{name} must be a string.")
    tags = task.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise _bad("invalidTags", "tags", "tags must be an array of strings.")
    offset = _int(task, "offset", 0, 0, 1_000_000)
    limit = _int(task, "limit", 20, 1, MAX_LIMIT)
    words = search.lower().split()
    found = [
        o
        for o in offers
        if all(w in f"{o.model_id} {o.title} {o.family} {slug(o)}".lower() for w in words)
        and task.get("category") in (None, o.category)
        and task.get("architecture") in (None, o.family)
        and set(tags) <= set(_tags(o))
    ]
    item: dict[str, Any] = {"taskType": "modelSearch"}
    item["results"] = [_item(o) for o in found[offset:][:limit]]
    if "taskUUID" in task:
        item["taskUUID"] = task["taskUUID"]
    item["totalResults"] = len(found)
    return item


def request_schema(offer: ModelOffer) -> dict[str, Any]:
    """A self-contained JSON Schema of a task for ``offer`` (the SDK compiles it)."""
    props: dict[str, Any] = {name: {} for name in sorted(ENVELOPE)}
    props["taskType"] = {"const": "videoInference"}
    props["model"] = {"type": "string"}
    props.update(offer.properties)
    required = ["taskType", "model", *offer.input_schema.get("required", [])]
    return {"type": "object", "required": required, "properties": props}


class SchemaRegistry:
    """The schema registry runware-sdk reads (``/schemas/registry.json``,
    ``/schemas/resolve/<model>``), from the live catalog."""

    def __init__(self, emu: Emulator) -> None:
        self.emu = emu

    async def registry(self, request: Request) -> Response:
        offers = self.emu.catalog.for_provider("runware")
        models = {o.model_id: {"taskType": "videoInference", "id": slug(o)} for o in offers}
        body = {
            "version": "sora-mock",
            "models": models,
            "architectureTaskTypes": {},
            "modalityTaskTypes": {},
        }
        return JSONResponse(body, headers={"Cache-Control": "no-cache"})

    async def resolve(self, request: Request) -> Response:
        wanted = request.path_params["model"]
        offers = self.emu.catalog.for_provider("runware")
        offer = self.emu.catalog.find("runware", wanted) or next(
            (o for o in offers if slug(o) == wanted), None
        )
        if offer is None:
            return JSONResponse({"error": "not_found", "model": wanted[:200]}, status_code=404)
        body: dict[str, Any] = {"air": offer.model_id, "requestSchema": request_schema(offer)}
        pages = (_DOC_PAGE.search(s) for s in offer.sources.values())
        page = next((m.group(0) for m in pages if m is not None), None)
        if page is not None:
            body["documentation"] = f"https://{page}"
        return JSONResponse(body)
