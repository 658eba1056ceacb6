"""Hypothesis strategies shared by the fuzz tests: arbitrary JSON and Runware-ish fields."""

from __future__ import annotations

from hypothesis import strategies as st

# Every field a Runware task may carry, plus authentication and session fields, so
# generated tasks hit real validation paths as well as unknown-field ones.
RUNWARE_FIELDS = [
    "taskType", "taskUUID", "model", "positivePrompt", "width", "height", "duration",
    "numberResults", "outputFormat", "outputType", "outputQuality", "includeCost", "seed",
    "ttl", "deliveryMethod", "webhookURL", "inputs", "frameImages", "apiKey",
    "connectionSessionUUID", "ping",
]  # fmt: skip

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)
