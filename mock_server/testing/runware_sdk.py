"""Point ``runware-sdk`` 1.x at the emulator's schema registry.

The SDK looks up a model's task type in Runware's schema registry when a task names no
``taskType``, and fetches a model's request schema when ``validate=True``: both with
aiohttp from ``SCHEMAS_BASE_URL`` (``runware/constants.py``, imported by name into
``runware/client.py`` and ``runware/validate.py``). While :func:`runware_sdk_schemas` is
open, each of those module constants names the emulator's ``/schemas`` instead, so
``Runware(...).run({"model": "google:3@3", ...})`` resolves offline, user catalog models
included::

    with start_sora_mock() as mock, runware_sdk_schemas(mock.base_url):
        ...   # runware-sdk reads {base_url}/schemas/registry.json and /schemas/resolve/<model>

Without ``runware-sdk`` installed it does nothing (the other SDK, ``runware`` 0.5,
shares the import name but has no registry).
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
from collections.abc import Iterator
from types import ModuleType

__all__ = ["SDK_MODULES", "runware_sdk_schemas"]

# the modules that hold (a copy of) the registry's base URL
SDK_MODULES = ("runware.constants", "runware.client", "runware.validate")


def _modules() -> list[ModuleType]:
    try:
        if importlib.util.find_spec("runware") is None:
            return []
        found = [importlib.import_module(name) for name in SDK_MODULES]
    except Exception:  # not runware-sdk 1.x, or it cannot load here: nothing to point
        return []
    return [m for m in found if isinstance(getattr(m, "SCHEMAS_BASE_URL", None), str)]


@contextlib.contextmanager
def runware_sdk_schemas(base_url: str) -> Iterator[bool]:
    """While open, runware-sdk reads its registry from ``{base_url}/schemas``; yields
    whether an SDK was found to point."""
    modules = _modules()
    saved = [(m, getattr(m, "SCHEMAS_BASE_URL")) for m in modules]  # noqa: B009
    for module in modules:
        setattr(module, "SCHEMAS_BASE_URL", f"{base_url.rstrip('/')}/schemas")  # noqa: B010
    try:
        yield bool(modules)
    finally:
        for module, value in saved:
            setattr(module, "SCHEMAS_BASE_URL", value)  # noqa: B010
