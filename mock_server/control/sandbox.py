"""Install the sandbox into an emulator: policies, media gate, webhook faults, journal.

>>> sandbox = install(emu)                  # app.py does this once
>>> sandbox.plan.script("runcomfy.submit", ["http-429"])

After ``install`` these ``emu.extras`` keys are set (the contract with dialects):

* ``media_gate``: ``async (media_key) -> bool``, False while a clip must answer 404;
* ``webhook_faults``: :class:`~mock_server.core.fault_plan.WebhookFaults`, whose
  ``schedule(job)`` lists the emulated delays of each copy of a delivery;
* ``journal``: the :class:`~mock_server.control.journal.Journal`;
* ``journal_note``: ``note(**fields)`` to label the current request's journal entry.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields

from mock_server.control.journal import Journal, note
from mock_server.control.policies import SandboxPolicies
from mock_server.control.views import MediaGate
from mock_server.core.engine import EngineSettings
from mock_server.core.fault_plan import Chaos, FaultPlan
from mock_server.emulator import Emulator

__all__ = ["Sandbox", "install"]


@dataclass(slots=True)
class Sandbox:
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
        webhooks = self.emu.extras.get("webhooks")
        clear = getattr(webhooks, "clear", None)
        if callable(clear):
            clear()
        on_reset = self.emu.extras.get("on_reset")
        if callable(on_reset):
            on_reset()

    def reseed(self, seed: int) -> None:
        self.emu.engine.ids.reseed(seed)
        self.plan.reseed(seed)


def install(emu: Emulator, journal: Journal | None = None) -> Sandbox:
    config = emu.config
    chaos = Chaos.parse(config.chaos, seed=config.seed) if config.chaos else None
    plan = FaultPlan(seed=config.seed, chaos=chaos)
    journal = Journal(config.journal_size) if journal is None else journal
    policies = SandboxPolicies(plan)
    emu.policies = policies
    emu.extras["media_gate"] = MediaGate(emu)
    emu.extras["webhook_faults"] = plan.webhooks
    emu.extras["journal"] = journal
    emu.extras["journal_note"] = note
    sandbox = Sandbox(emu, plan, journal, policies, copy.deepcopy(emu.engine.settings))
    emu.extras["sandbox"] = sandbox
    return sandbox
