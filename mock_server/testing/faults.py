"""Fault controls of the ``sora_mock`` fixture: thin wrappers over ``/_emulator/faults``.

    sora_mock.faults.script("runcomfy.submit", "http-429", "pass")   # next two submits
    sora_mock.faults.arm("moderation@30", count=2)                     # next two jobs fail
    sora_mock.faults.chaos(error_rate=0.1, seed=3)
    sora_mock.faults.webhooks(duplicates=1)
    headers = Faults.header("http-503")            # {"X-Sora-Mock-Fault": "http-503"}

The marker's ``faults=[...]`` items go through :meth:`Faults.apply`: a string of job
faults (``"timeout@80"``) is armed for the next job; a string of request faults
(``"http-429"``) is scripted for the next request to any operation;
``"runcomfy.submit: http-429, pass"`` scripts one step per word for that operation;
a dict is sent as is to ``script`` (``operation`` + ``steps``), ``arm`` (``fault``),
``chaos`` (``{"chaos": {...}}``) or ``webhooks`` (``{"webhooks": {...}}``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["FAULT_HEADER", "Faults"]

FAULT_HEADER = "X-Sora-Mock-Fault"
_REQUEST_WORDS = ("http-", "credits", "drop", "latency", "pass")


class Faults:
    def __init__(self, control: Callable[..., Any]) -> None:
        self._control = control

    def script(self, operation: str, *steps: str) -> None:
        """The next requests to ``operation`` (``runcomfy.submit``, ``runware.*``) get
        these request faults, one step each (``"pass"``: no fault)."""
        self._control("POST", "faults/script", {"operation": operation, "steps": list(steps)})

    def arm(self, fault: str, count: int = 1, provider: str = "*") -> None:
        """Plant job faults (``moderation@30``, ``stuck``, ...) in the next ``count`` jobs."""
        self._control("POST", "faults/arm", {"fault": fault, "count": count, "provider": provider})

    def chaos(self, **settings: Any) -> None:
        """Seeded random faults: ``error_rate``, ``drop_rate``, ``latency_rate``, ``seed``, ..."""
        self._control("PUT", "faults/chaos", settings)

    def webhooks(self, **settings: Any) -> None:
        """Webhook delivery faults: ``duplicates``, ``delay_seconds``, ``disorder_seconds``."""
        self._control("PUT", "faults/webhooks", settings)

    def clear(self) -> None:
        """Back to no faults (or the configured chaos)."""
        self._control("DELETE", "faults")

    def planned(self) -> dict[str, Any]:
        return dict(self._control("GET", "faults"))

    @staticmethod
    def header(words: str) -> dict[str, str]:
        """The request header that applies fault ``words`` to one request (and its job)."""
        return {FAULT_HEADER: words}

    def apply(self, spec: str | Mapping[str, Any]) -> None:
        """One item of the marker's ``faults=[...]`` (see the module docstring)."""
        if isinstance(spec, Mapping):
            data = dict(spec)
            if "chaos" in data:
                self.chaos(**data["chaos"])
            elif "webhooks" in data:
                self.webhooks(**data["webhooks"])
            elif "operation" in data:
                self._control("POST", "faults/script", data)
            else:
                self._control("POST", "faults/arm", data)
            return
        operation, sep, words = spec.partition(":")
        if sep and "." in operation:
            self.script(operation.strip(), *(w.strip() for w in words.split(",") if w.strip()))
        elif spec.strip().lower().startswith(_REQUEST_WORDS):
            self.script("*", spec)
        else:
            self.arm(spec)
