"""``GET /openapi.json`` and ``GET /docs``: the emulator's API, described by the contracts.

The OpenAPI 3.1 document is assembled from ``contracts/`` with the model parts
regenerated from the emulator's *live* catalog, so a ``--catalog`` file that adds a
model or a size shows up here too. ``/docs`` renders the same document as one
self-contained HTML page (no scripts, no external assets: the machine may be offline).

>>> routes(emu)   # [Route("/openapi.json"), Route("/docs")], registered by app.py
"""

from __future__ import annotations

import html
import json
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

from contracts import Contracts, model_documents
from contracts.openapi import build_openapi
from mock_server import __version__
from mock_server.core.catalog import Catalog
from mock_server.emulator import Emulator

__all__ = ["catalog_json", "openapi_document", "routes"]

_METHODS = ("get", "post", "put", "delete")
_CSS = """
body{font:15px/1.5 system-ui,sans-serif;margin:0 auto;max-width:980px;padding:1.5em;color:#222}
h1{font-size:1.5em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;margin-top:2em}
.op{border:1px solid #ddd;border-radius:6px;margin:.8em 0;padding:.6em .9em}
.m{display:inline-block;min-width:4.2em;font-weight:bold;text-transform:uppercase}
.get{color:#0a7}.post{color:#06c}code,pre{font:13px ui-monospace,monospace}
pre{background:#f6f8fa;padding:.8em;overflow:auto;border-radius:4px}
table{border-collapse:collapse}td{padding:.1em .8em .1em 0;vertical-align:top}
a{color:#06c;text-decoration:none}a:hover{text-decoration:underline}small{color:#666}
"""


def catalog_json(catalog: Catalog) -> dict[str, Any]:
    """The catalog back in its JSON shape, as :func:`contracts.model_documents` reads it."""
    return catalog.to_json()


def openapi_document(
    emu: Emulator, server_url: str, cache: dict[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The OpenAPI document for this emulator's catalog, with ``server_url`` as its server
    (kept in ``cache``, by server URL)."""
    cache = {} if cache is None else cache
    doc = cache.get(server_url)
    if doc is None:
        if len(cache) >= 8:  # one entry per Host seen; keep a stray Host header from growing it
            cache.clear()
        contracts = Contracts.with_overrides(model_documents(catalog_json(emu.catalog)))
        doc = build_openapi(contracts, server_url=server_url, version=__version__)
        cache[server_url] = doc
    return doc


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _schema_link(node: dict[str, Any] | None) -> str:
    ref = (node or {}).get("$ref", "")
    if not ref.startswith("#/components/schemas/"):
        return "<code>-</code>"
    name = ref.rsplit("/", 1)[-1]
    return f'<a href="#schema-{_e(name)}"><code>{_e(name)}</code></a>'


def _body_schema(part: dict[str, Any]) -> dict[str, Any] | None:
    content = part.get("content", {}).get("application/json", {})
    schema = content.get("schema")
    return schema if isinstance(schema, dict) else None


def _operation(path: str, method: str, op: dict[str, Any]) -> str:
    rows = []
    if "requestBody" in op:
        rows.append(
            f"<tr><td>request</td><td>{_schema_link(_body_schema(op['requestBody']))}</td></tr>"
        )
    for code, resp in op.get("responses", {}).items():
        rows.append(
            f"<tr><td>{_e(code)}</td><td>{_schema_link(_body_schema(resp))} "
            f"<small>{_e(resp.get('description', ''))}</small></td></tr>"
        )
    params = ", ".join(
        f"<code>{_e(p['name'])}</code> ({_e(p['in'])})" for p in op.get("parameters", [])
    )
    return (
        f'<div class="op" id="op-{_e(op.get("operationId", path))}">'
        f'<span class="m {method}">{method}</span> <code>{_e(path)}</code> '
        f"&mdash; {_e(op.get('summary', ''))}"
        + (f"<p>{_e(op['description'])}</p>" if op.get("description") else "")
        + (f"<p>parameters: {params}</p>" if params else "")
        + f"<table>{''.join(rows)}</table></div>"
    )


def render_html(doc: dict[str, Any]) -> str:
    """One static page: operations grouped by tag, then every schema as JSON."""
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f"<title>{_e(doc['info']['title'])}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(doc['info']['title'])} <small>{_e(doc['info']['version'])}</small></h1>",
        f"<p>{_e(doc['info'].get('description', ''))}</p>",
        '<p>Machine-readable: <a href="/openapi.json"><code>/openapi.json</code></a> '
        "(OpenAPI 3.1).</p>",
    ]
    for tag in doc.get("tags", []):
        parts.append(f"<h2>{_e(tag['name'])} <small>{_e(tag.get('description', ''))}</small></h2>")
        for path, item in doc["paths"].items():
            for method in _METHODS:
                op = item.get(method)
                if op and tag["name"] in op.get("tags", []):
                    parts.append(_operation(path, method, op))
            ws = item.get("x-websocket")
            if ws and tag["name"] == "Runware":
                parts.append(
                    f'<div class="op"><span class="m">ws</span> <code>{_e(ws["url"])}</code> '
                    f"&mdash; client frames {_schema_link(ws['clientFrames'])}, "
                    f"server frames {_schema_link(ws['serverFrames'])}</div>"
                )
    parts.append("<h2>Webhooks</h2>")
    for name, item in doc.get("webhooks", {}).items():
        op = item["post"]
        parts.append(
            f'<div class="op"><span class="m post">post</span> <code>{_e(name)}</code> '
            f"&mdash; {_e(op['summary'])}: {_schema_link(_body_schema(op['requestBody']))}</div>"
        )
    parts.append("<h2>Schemas</h2>")
    for name, schema in doc["components"]["schemas"].items():
        text = json.dumps(schema, indent=2, ensure_ascii=False)
        parts.append(
            f'<details id="schema-{_e(name)}"><summary><code>{_e(name)}</code> '
            f"<small>{_e(schema.get('title', ''))}</small></summary><pre>{_e(text)}</pre></details>"
        )
    parts.append("</body></html>")
    return "\n".join(parts)


def routes(emu: Emulator) -> list[Route]:
    cache: dict[str, dict[str, Any]] = {}

    def server(request: Request) -> str:
        return emu.base(str(request.base_url))

    async def openapi(request: Request) -> Response:
        return JSONResponse(openapi_document(emu, server(request), cache))

    async def docs(request: Request) -> Response:
        return HTMLResponse(render_html(openapi_document(emu, server(request), cache)))

    return [
        Route("/openapi.json", openapi, methods=["GET"]),
        Route("/docs", docs, methods=["GET"]),
    ]
