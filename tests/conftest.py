"""Settings shared by every test: Hypothesis profiles.

``ci`` (used when the ``CI`` environment variable is set) and ``dev`` (the default) are both
derandomized, so a run's examples depend only on the code and the test, never on the clock:
a failure seen in CI reproduces locally. ``deadline=None`` because the first example of a test
pays for imports and table building. Pick another with ``--hypothesis-profile=NAME``.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

settings.register_profile(
    "dev",
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("explore", deadline=None, max_examples=2000)
settings.load_profile("ci" if os.environ.get("CI") else "dev")
