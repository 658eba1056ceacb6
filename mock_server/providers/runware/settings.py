"""Runware's own settings: ``--runware-<field>`` flags, ``SORA_MOCK_RUNWARE_<FIELD>``
variables, ``Config(provider_settings=(RunwareSettings(sync_wait=5),))`` in code.

Several answer questions the public docs leave open (INFERRED): they keep both readings
available. Field docs are the CLI help.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["RunwareSettings"]


@dataclass(frozen=True, slots=True)
class RunwareSettings:
    unknown_task: str = "empty"
    "reply to getResponse for an unknown task id: 'empty' ({\"data\": []}) or 'error'"
    unknown_fields: str = "reject"
    "videoInference fields the contract does not name: 'reject' (unsupportedParameter) or 'ignore'"
    sync_wait: float = 60.0
    "real seconds a sync Runware request is held before it answers with a timeout"
    frames_with_size: bool = True
    "accept width/height together with Runware inputs.frameImages (the documented example does)"
    rest_auth_item: bool = False
    "answer a REST authentication task with an authentication data item (unconfirmed)"
    cost_always: bool = False
    "report cost on every Runware result (as the documented examples do), not only with includeCost"
    retired_code: str = "modelDisabled"
    "Runware error code for a model past its deactivation date (with --reject-retired)"
    ws_idle: float = 120.0
    "emulated seconds without a client message before a Runware WebSocket is closed"
    ws_resume: float = 120.0
    "emulated seconds a Runware WebSocket session keeps undelivered results for a resume"
