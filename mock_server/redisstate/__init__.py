"""Shared state on Redis: ``--state redis://HOST:PORT/DB`` (see :mod:`.state`)."""
