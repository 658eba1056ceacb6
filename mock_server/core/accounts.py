"""API keys and tenants: each key is its own namespace."""

from __future__ import annotations

import hashlib
import sys
from collections import OrderedDict

from mock_server.core.errors import AuthError

__all__ = ["Accounts"]


class Accounts:
    """Decides which keys are valid and names the tenant each key belongs to.

    With no configured keys every key works except ``invalid_key``, which always
    fails, so integrators can exercise their authentication error path.

    Only a tenant that did something accepted is listed (:meth:`enrol`, called when
    one of its jobs changes state, and by persistence on restore): a client that polls
    with a fresh key per request leaves nothing behind but bounded caches, so keys
    cannot grow the tenant list or the server's memory.
    """

    MAX_CACHED = 10_000  # keys -> tenants, and labels of tenants not (yet) enrolled
    MAX_KEY_CHARS = 512  # real keys are tens of characters; longer ones are refused

    def __init__(self, keys: tuple[str, ...] = (), invalid_key: str = "sora-mock-invalid-key"):
        self.keys = frozenset(keys)
        self.invalid_key = invalid_key
        self._labels: dict[str, str] = {}  # enrolled tenants: the tenant list
        self._recent: OrderedDict[str, str] = OrderedDict()  # labels of the rest, bounded
        self._tenants: dict[str, str] = {}  # key -> tenant, in memory only: no hash per request

    def tenant_for(self, key: str | None) -> str:
        """The tenant id for ``key``; raises :class:`AuthError` when it is not accepted."""
        tenant = self._tenants.get(key) if key else None
        if tenant is not None:
            return tenant
        if not key:
            raise AuthError("missing", "no API key was given")
        if len(key) > self.MAX_KEY_CHARS:  # before any cache keeps it
            raise AuthError("invalid", f"API key longer than {self.MAX_KEY_CHARS} characters")
        if key == self.invalid_key or (self.keys and key not in self.keys):
            raise AuthError("invalid", "invalid API key")
        tenant = sys.intern("t_" + hashlib.sha256(key.encode()).hexdigest()[:12])
        if tenant not in self._labels:
            self._recent[tenant] = mask(key)
            self._recent.move_to_end(tenant)
            if len(self._recent) > self.MAX_CACHED:
                self._recent.popitem(last=False)
        if len(self._tenants) >= self.MAX_CACHED:  # a client inventing keys cannot grow it
            self._tenants.clear()
        self._tenants[key] = tenant  # one string per tenant, however many jobs refer to it
        return tenant

    def enrol(self, tenant: str) -> None:
        """List ``tenant``: it did something the emulator accepted (a job, a balance)."""
        if tenant not in self._labels:
            self._labels[tenant] = self._recent.pop(tenant, tenant)

    def remember(self, tenant: str, label: str) -> None:
        """Restore a tenant's display label (persistence; the key itself is never kept)."""
        self._labels.setdefault(tenant, label)
        self._recent.pop(tenant, None)

    def label(self, tenant: str) -> str:
        """A display name for a tenant that does not reveal its key."""
        return self._labels.get(tenant) or self._recent.get(tenant, tenant)

    def tenants(self) -> dict[str, str]:
        """Enrolled tenants and their labels."""
        return dict(self._labels)


def mask(key: str) -> str:
    return key[:3] + "…" + key[-4:] if len(key) > 10 else key[:2] + "…"
