"""API keys and tenants: each key is its own namespace."""

from __future__ import annotations

import hashlib
import sys

from mock_server.core.errors import AuthError

__all__ = ["Accounts"]


class Accounts:
    """Decides which keys are valid and names the tenant each key belongs to.

    With no configured keys every key works except ``invalid_key``, which always
    fails, so integrators can exercise their authentication error path.
    """

    def __init__(self, keys: tuple[str, ...] = (), invalid_key: str = "sora-mock-invalid-key"):
        self.keys = frozenset(keys)
        self.invalid_key = invalid_key
        self._labels: dict[str, str] = {}
        self._tenants: dict[str, str] = {}  # key -> tenant, in memory only: no hash per request

    def tenant_for(self, key: str | None) -> str:
        """The tenant id for ``key``; raises :class:`AuthError` when it is not accepted."""
        tenant = self._tenants.get(key) if key else None
        if tenant is not None:
            return tenant
        if not key:
            raise AuthError("missing", "no API key was given")
        if key == self.invalid_key or (self.keys and key not in self.keys):
            raise AuthError("invalid", "invalid API key")
        tenant = sys.intern("t_" + hashlib.sha256(key.encode()).hexdigest()[:12])
        if tenant not in self._labels:
            self._labels[tenant] = mask(key)
        if len(self._tenants) >= 10_000:  # a client inventing keys cannot grow it forever
            self._tenants.clear()
        self._tenants[key] = tenant  # one string per tenant, however many jobs refer to it
        return tenant

    def remember(self, tenant: str, label: str) -> None:
        """Restore a tenant's display label (persistence; the key itself is never kept)."""
        self._labels.setdefault(tenant, label)

    def label(self, tenant: str) -> str:
        """A display name for a tenant that does not reveal its key."""
        return self._labels.get(tenant, tenant)

    def tenants(self) -> dict[str, str]:
        return dict(self._labels)


def mask(key: str) -> str:
    return key[:3] + "…" + key[-4:] if len(key) > 10 else key[:2] + "…"
