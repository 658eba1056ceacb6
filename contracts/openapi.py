"""Assemble an OpenAPI 3.1 document from the contracts.

>>> doc = build_openapi(Contracts.default(), server_url="http://127.0.0.1:8000")
>>> sorted(doc["paths"])[:2]
['/v1', '/v1/models/openai/sora-2/image-to-video']

Every schema file becomes a component (``runware/success-item`` -> ``RunwareSuccessItem``)
and every ``$defs`` entry its own component (``RunComfyModels.openai-sora-2-text-to-video``),
with ``$ref`` rewritten to ``#/components/schemas/...``, so the document is
self-contained and readable by tools that do not resolve ``$id``. RunComfy model paths
are listed one per model (its ``model_id`` holds slashes, which a path parameter cannot).
"""

from __future__ import annotations

import copy
import importlib.metadata
from typing import Any
from urllib.parse import urljoin

from contracts.registry import BASE_URI, Contracts, slug

__all__ = ["RUNCOMFY_URL", "RUNWARE_URL", "RUNWARE_WS_URL", "build_openapi", "component_name"]

RUNWARE_URL = "https://api.runware.ai"
RUNCOMFY_URL = "https://model-api.runcomfy.net"
RUNWARE_WS_URL = "wss://ws-api.runware.ai/v1"
# The real hosts are named for the reader only: nothing in the document is a server or
# link to them, so a tool pointed at /openapi.json only ever calls the emulator.
_REAL_RUNCOMFY = f"On the real service: {RUNCOMFY_URL} (the same path)."
_ACRONYMS = {"runcomfy": "RunComfy", "ws": "WS", "runware": "Runware"}


def component_name(name: str) -> str:
    """``runware/ws-auth-frame`` -> ``RunwareWSAuthFrame``."""
    words = name.replace("/", "-").split("-")
    return "".join(_ACRONYMS.get(w, w.capitalize()) for w in words)


def _rewrite(node: Any, base: str, names: dict[str, str]) -> Any:
    """Copy ``node`` with every ``$ref`` pointing into ``#/components/schemas``."""
    if isinstance(node, list):
        return [_rewrite(item, base, names) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("$id", "$schema", "$defs"):
            continue
        if key == "$ref" and isinstance(value, str):
            target, _, pointer = urljoin(base, value).partition("#")
            comp = names[target]
            parts = pointer.split("/")
            if len(parts) >= 3 and parts[1] == "$defs":
                comp, pointer = f"{comp}.{parts[2]}", "/".join(["", *parts[3:]]).rstrip("/")
            out[key] = f"#/components/schemas/{comp}{pointer}"
        else:
            out[key] = _rewrite(value, base, names)
    return out


def _components(contracts: Contracts) -> dict[str, Any]:
    names = {f"{BASE_URI}{n}.json": component_name(n) for n in contracts.names}
    comps: dict[str, Any] = {}
    for name in contracts.names:
        doc = contracts.schema(name)
        base, comp = doc["$id"], component_name(name)
        comps[comp] = _rewrite(doc, base, names)
        for key, sub in doc.get("$defs", {}).items():
            comps[f"{comp}.{key}"] = _rewrite(sub, base, names)
    return comps


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": _ref(schema)}}}


def _errors(schema: str, codes: dict[str, str]) -> dict[str, Any]:
    return {code: _json(schema, text) for code, text in codes.items()}


_RC_ERRORS = {
    "401": "missing, malformed or invalid token (401001, 400004)",
    "403": "the request belongs to another account (403001)",
    "404": "unknown or expired request id (404001)",
    "429": "too many requests",
    "500": "internal error (500001)",
}


def _runcomfy_catalog_paths() -> dict[str, Any]:
    """GET /v1/models (search, page) and GET /v1/models/categories."""
    paths: dict[str, Any] = {}

    def query(name: str, schema: dict[str, Any], text: str) -> dict[str, Any]:
        return {"name": name, "in": "query", "schema": schema, "description": text}

    paths["/v1/models"] = {
        "description": _REAL_RUNCOMFY,
        "get": {
            "operationId": "runcomfy.list_models",
            "tags": ["RunComfy"],
            "summary": "The model catalog, a page at a time",
            "security": [{"bearer": []}],
            "parameters": [
                query("search", {"type": "string"}, "words in the model id or name"),
                query("category", {"type": "string"}, "e.g. text-to-video"),
                query("kind", {"type": "string"}, "model"),
                query("include_schema", {"type": "boolean"}, "add each input_schema"),
                query("limit", {"type": "integer", "minimum": 1, "maximum": 100}, "page size"),
                query("offset", {"type": "integer", "minimum": 0}, "entries to skip"),
            ],
            "responses": {
                "200": _json("RunComfyModelList", "one page of entries and the total"),
                "422": _json("RunComfyError", "limit or offset is not a whole number in range"),
                **_errors("RunComfyError", {k: _RC_ERRORS[k] for k in ("401", "429", "500")}),
            },
        },
    }
    paths["/v1/models/categories"] = {
        "description": _REAL_RUNCOMFY,
        "get": {
            "operationId": "runcomfy.list_categories",
            "tags": ["RunComfy"],
            "summary": "The catalog's categories",
            "security": [{"bearer": []}],
            "responses": {
                "200": _json("RunComfyModelCategories", "every category in use"),
                **_errors("RunComfyError", {k: _RC_ERRORS[k] for k in ("401", "429", "500")}),
            },
        },
    }
    return paths


def _runcomfy_paths(contracts: Contracts) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for model_id in contracts.models("runcomfy"):
        schema = f"RunComfyModels.{slug(model_id)}"
        paths[f"/v1/models/{model_id}"] = {
            "description": _REAL_RUNCOMFY,
            "post": {
                "operationId": f"runcomfy.submit.{slug(model_id)}",
                "tags": ["RunComfy"],
                "summary": f"Submit a {model_id} request",
                "security": [{"bearer": []}],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref(schema)}},
                },
                "responses": {
                    "200": _json("RunComfySubmitResponse", "accepted: the request id and URLs"),
                    "400": _json("RunComfyError", "unknown model (400001)"),
                    "402": _json("RunComfyError", "insufficient balance (400002)"),
                    "422": _json("RunComfyError", "the body does not match the input schema"),
                    **_errors("RunComfyError", {k: _RC_ERRORS[k] for k in ("401", "429", "500")}),
                },
            },
            "get": {
                "operationId": f"runcomfy.model_info.{slug(model_id)}",
                "tags": ["RunComfy"],
                "summary": f"The catalog entry of {model_id}: price and input schema",
                "security": [{"bearer": []}],
                "responses": {
                    "200": _json("RunComfyModelInfo", "the model's price and input schema"),
                    **_errors(
                        "RunComfyError",
                        {"400": "unknown model (400001)", "401": _RC_ERRORS["401"]},
                    ),
                },
            },
        }

    paths.update(_runcomfy_catalog_paths())
    request_id = {
        "name": "request_id",
        "in": "path",
        "required": True,
        "schema": _ref("RunComfySubmitResponse.requestId"),
    }
    operations = {
        "status": ("get", "request_status", "RunComfyStatusResponse", "200", "the request's state"),
        "result": ("get", "get_result", "RunComfyResultResponse", "200", "outputs, or the state"),
        "cancel": ("post", "cancel", "RunComfyCancelResponse", "202", "the cancel outcome"),
    }
    for leaf, (method, op, schema, code, text) in operations.items():
        operation: dict[str, Any] = {
            "operationId": f"runcomfy.{op}",
            "tags": ["RunComfy"],
            "summary": text[0].upper() + text[1:],
            "security": [{"bearer": []}],
            "parameters": [request_id],
            "responses": {code: _json(schema, text), **_errors("RunComfyError", _RC_ERRORS)},
        }
        if leaf == "result":
            include_cost = {"name": "include_cost", "in": "query", "schema": {"type": "boolean"}}
            operation["parameters"] = [request_id, include_cost]
            operation["responses"]["422"] = _json(
                "RunComfyError", "include_cost is not a boolean (true/false, 1/0, yes/no, on/off)"
            )
        paths[f"/v1/requests/{{request_id}}/{leaf}"] = {
            "description": _REAL_RUNCOMFY,
            method: operation,
        }
    return paths


def _runware_paths() -> dict[str, Any]:
    codes = {
        "400": "invalid parameters (errors name them)",
        "401": "missing or invalid API key",
        "402": "insufficient credits",
        "403": "the key lacks permission",
        "429": "rate limited",
        "500": "internal error",
        "503": "service unavailable",
    }
    return {
        "/v1": {
            "description": (
                f"On the real service: {RUNWARE_URL}/v1 (REST) and {RUNWARE_WS_URL} (WebSocket)."
            ),
            "post": {
                "operationId": "runware.tasks",
                "tags": ["Runware"],
                "summary": "Run tasks: videoInference, getResponse, authentication, ping",
                "description": (
                    "The body is a JSON array of tasks; the answer holds data items and/or "
                    "errors, each echoing its task's taskUUID. The same messages travel as "
                    "WebSocket frames on this path (see x-websocket)."
                ),
                "security": [{"bearer": []}, {}],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": _ref("RunwareRequest")}},
                },
                "responses": {
                    "200": _json("RunwareResponse", "results and/or per-task errors"),
                    **_errors("RunwareResponse", codes),
                },
            },
            "x-websocket": {
                "url": "/v1",
                "clientFrames": _ref("RunwareRequest"),
                "serverFrames": _ref("RunwareWSServerFrame"),
                "authenticationFrame": _ref("RunwareWSAuthFrame"),
                "pongFrame": _ref("RunwareWSPongFrame"),
            },
        }
    }


def build_openapi(
    contracts: Contracts | None = None,
    *,
    server_url: str | None = None,
    version: str | None = None,
) -> dict[str, Any]:
    """The OpenAPI 3.1 document for both dialects; ``server_url`` names this emulator;
    ``version`` defaults to the installed sora-mock's."""
    contracts = contracts or Contracts.default()
    if version is None:
        try:
            version = importlib.metadata.version("sora-mock")
        except importlib.metadata.PackageNotFoundError:
            version = "0"
    servers = [{"url": server_url or "/", "description": "this emulator"}]
    doc: dict[str, Any] = {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {
            "title": "sora-mock: Runware and RunComfy APIs for Sora 2",
            "version": version,
            "description": (
                "The messages the emulated providers accept and send, assembled from the "
                "JSON Schema contracts in contracts/. The same contracts validate the "
                "reference client's requests and responses."
            ),
        },
        "servers": servers,
        "tags": [
            {"name": "Runware", "description": "task API over REST (and WebSocket)"},
            {"name": "RunComfy", "description": "queue API: submit, status, result, cancel"},
        ],
        "paths": {**_runware_paths(), **_runcomfy_paths(contracts)},
        "webhooks": {
            "runwareTaskCompleted": {
                "post": {
                    "summary": "Runware POSTs a finished task to its webhookURL",
                    "requestBody": {
                        "content": {"application/json": {"schema": _ref("RunwareWebhook")}}
                    },
                    "responses": {"200": {"description": "any 2xx acknowledges delivery"}},
                }
            }
        },
        "components": {
            "schemas": _components(contracts),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }
    if server_url:
        ws = doc["paths"]["/v1"]["x-websocket"]
        ws["url"] = server_url.rstrip("/").replace("http", "ws", 1) + ws["url"]
    return copy.deepcopy(doc)
