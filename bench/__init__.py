"""sora-mock benchmarks: scripts that print figures, never tests that assert them.

    python3 dev.py bench [--quick] [--skip-suite] [--skip-prism]

See :mod:`bench.run` for what is measured and how.
"""
