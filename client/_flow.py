"""The client's logic without I/O: every operation is a *flow*, a generator that yields
the effects it needs (send a request, sleep, stream a body) and receives their results.

>>> def fetch(url: str) -> Flow[int]:
...     response = yield Send({"method": "GET", "url": url})
...     return response.status_code

A flow never touches the network or the clock itself, so one flow serves both the
blocking and the async client: :mod:`client._transport` runs it with ``httpx.Client``
and ``time.sleep``, or with ``httpx.AsyncClient`` and ``anyio.sleep``, and
:class:`operation` makes it a method of either. An effect that
fails (a refused connection, say) is raised inside the flow at its ``yield``, where
the flow may catch it and retry.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
from collections.abc import Callable, Coroutine, Generator, Iterator
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, Self, TypeVar, overload

import httpx

if TYPE_CHECKING:
    from client._transport import AsyncTransport, SyncTransport

__all__ = [
    "USER_AGENT",
    "Effect",
    "Flow",
    "Run",
    "Send",
    "Sleep",
    "Stream",
    "just",
    "operation",
]


def _user_agent() -> str:
    """``sora-mock-client/<version>``, the version being the installed distribution's."""
    try:
        return f"sora-mock-client/{metadata.version('sora-mock')}"
    except metadata.PackageNotFoundError:  # run from a bare checkout
        return "sora-mock-client/unknown"


USER_AGENT = _user_agent()

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Send:
    """Send one request (``httpx.Client.request`` keyword arguments); the result is the
    ``httpx.Response`` with its body read."""

    request: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Sleep:
    """Wait ``seconds`` with the client's injected sleep; the result is None."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Stream:
    """GET ``url`` and stream its body: ``open(response)`` is called once the head has
    arrived and returns where the body's chunks go. The result is the closed response."""

    url: str
    headers: dict[str, str]
    open: Callable[[httpx.Response], Callable[[bytes], None]]


Effect = Send | Sleep | Stream
Flow = Generator[Effect, Any, T]


def just(value: T) -> Flow[T]:
    """A flow that needs no I/O and returns ``value``."""
    yield from ()
    return value


class Run(Generic[T]):
    """One flow being run: iterating gives the effects it asks for; the driver hands
    each one's result back with ``outcome``, and finds the return value in ``result``.

    >>> for effect in (run := Run(flow)):
    ...     with run.outcome() as out:
    ...         out.value = perform(effect)
    >>> run.result
    """

    result: T

    def __init__(self, flow: Flow[T]) -> None:
        self._flow = flow
        self.value: Any = None
        self._error: Exception | None = None

    def __iter__(self) -> Iterator[Effect]:
        return self

    def __next__(self) -> Effect:
        value, error = self.value, self._error
        self.value, self._error = None, None
        try:
            return self._flow.send(value) if error is None else self._flow.throw(error)
        except StopIteration as done:
            self.result = done.value
            raise StopIteration from None

    @contextlib.contextmanager
    def outcome(self) -> Iterator[Run[T]]:
        """Set ``value`` inside the block; an exception it raises goes to the flow."""
        try:
            yield self
        except Exception as exc:  # the flow decides what is fatal, at its ``yield``
            self._error = exc


class operation(Generic[P, T]):
    """A client method written once as a flow: on a blocking client it returns ``T``,
    on an async one a coroutine of ``T``. Flows call each other's flows directly
    (``yield from self._status_flow(job_id)``), never an operation.

    >>> def _status_flow(self, job_id: str) -> Flow[JobStatus]: ...
    >>> status = operation(_status_flow)       # in the class body
    """

    def __init__(self, flow: Callable[Concatenate[Any, P], Flow[T]]) -> None:
        self.flow = flow
        self.__doc__ = flow.__doc__
        signature = inspect.signature(flow)
        self._signature = signature.replace(parameters=list(signature.parameters.values())[1:])
        self._name = flow.__name__

    def __set_name__(self, owner: type[Any], name: str) -> None:
        self._name = name

    @overload
    def __get__(self, obj: None, owner: type[Any] | None = None) -> Self: ...
    @overload
    def __get__(self, obj: SyncTransport, owner: type[Any] | None = None) -> Callable[P, T]: ...
    @overload
    def __get__(
        self, obj: AsyncTransport, owner: type[Any] | None = None
    ) -> Callable[P, Coroutine[Any, Any, T]]: ...

    def __get__(self, obj: Any, owner: type[Any] | None = None) -> Any:
        if obj is None:
            return self
        method = obj._bind(self.flow.__name__)  # the flow of obj's class: overrides count
        functools.update_wrapper(method, self.flow, assigned=("__module__", "__doc__"))
        method.__name__ = self._name
        method.__qualname__ = f"{type(obj).__qualname__}.{self._name}"
        method.__signature__ = self._signature
        return method
