"""Hypothesis settings for this suite, as a downstream project would keep them.

CI machines are shared and their timing noisy: a per-example deadline turns
a busy moment into a flaky failure, so the suite runs without one.
"""

from hypothesis import settings

settings.register_profile("examples", deadline=None)
settings.load_profile("examples")
