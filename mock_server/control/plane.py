"""The control plane of one emulator: its fault plan, request journal and policies.

>>> plane = install(emu)                  # app.py does this once
>>> plane.plan.script("runcomfy.submit", ["http-429"])

``install`` puts the sandbox's policies (faults, lifecycle headers, webhook faults) into
``emu.policies`` and adds the planted-missing-media gate to ``emu.media_gates``.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields

from mock_server.control.journal import Journal
from mock_server.control.policies import MissingMedia, SandboxPolicies
from mock_server.core.engine import EngineSettings
from mock_server.core.fault_plan import Chaos, FaultPlan
from mock_server.emulator import Emulator

__all__ = ["ControlArea", "ControlPlane", "install"]


@dataclass(slots=True)
class ControlPlane:
    emu: Emulator
    plan: FaultPlan
    journal: Journal
    policies: SandboxPolicies
    initial_settings: EngineSettings = field(default_factory=EngineSettings)

    async def reset(self, seed: int | None = None) -> None:
        """Forget jobs, charges, faults, the journal and delivered webhooks; put the
        engine settings (progression, limits) back as configured; reseed."""
        seed = self.emu.config.seed if seed is None else seed
        engine = self.emu.engine
        await engine.reset()
        initial = copy.deepcopy(self.initial_settings)
        for f in fields(EngineSettings):
            setattr(engine.settings, f.name, getattr(initial, f.name))
        self.plan.clear()
        self.reseed(seed)
        self.journal.clear()
        await self.emu.webhooks.reset()

    def reseed(self, seed: int) -> None:
        self.emu.engine.ids.reseed(seed)
        self.plan.reseed(seed)


class ControlArea:
    """One area of the control API (clock, jobs, faults, accounts, records): a class with
    one method per operation, bound to paths by :mod:`mock_server.control.urls`."""

    def __init__(self, plane: ControlPlane) -> None:
        self.plane = plane
        self.emu = plane.emu
        self.engine = plane.emu.engine


def install(emu: Emulator, journal: Journal | None = None) -> ControlPlane:
    config = emu.config
    chaos = Chaos.parse(config.chaos, seed=config.seed) if config.chaos else None
    plan = FaultPlan(seed=config.seed, chaos=chaos)
    journal = Journal(config.journal_size) if journal is None else journal
    policies = SandboxPolicies(plan)
    emu.policies = policies
    emu.media_gates.append(MissingMedia(emu))
    return ControlPlane(emu, plan, journal, policies, copy.deepcopy(emu.engine.settings))
