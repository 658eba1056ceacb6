"""pytest plugin for integrators (registered through the ``pytest11`` entry point).

Kept thin: heavy imports happen inside fixtures, so merely having sora-mock installed
costs a test session nothing. The fixtures arrive with the integrator plugin work.
"""

from __future__ import annotations
