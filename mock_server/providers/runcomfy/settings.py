"""RunComfy's own settings: ``--runcomfy-<field>`` flags, ``SORA_MOCK_RUNCOMFY_<FIELD>``
variables, ``Config(provider_settings=(RunComfySettings(unknown_fields="reject"),))``.
Field docs are the CLI help."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["UNKNOWN_FIELD_RULES", "RunComfySettings"]

UNKNOWN_FIELD_RULES = ("accept", "reject")


@dataclass(frozen=True, slots=True)
class RunComfySettings:
    unknown_fields: str = "accept"
    "RunComfy fields a model's schema lacks: 'accept' (named in a header) or 'reject' (422)"
