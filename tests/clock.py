"""The one clock the tests read: a fixed instant, at which conftest freezes this process.

03:30 UTC on 8 March 2026 is still the evening of the 7th in Denver, where the factories'
partnerships meet, and the 8th is the day US clocks spring forward. A test that takes the UTC
date for the partnership's date, or assumes every day has 24 hours, fails on every run rather
than only when CI happens to run at night. The instant is in the past, so data made at it is
already due for processes that read the real clock (Celery workers, `partnerhub up`).
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import partnerhub.models  # noqa: F401  (every mapper, so a Partnership can be built here)
from partnerhub.partnerships.models import Partnership
from partnerhub.partnerships.services import local_today

NOW = datetime(2026, 3, 8, 3, 30, tzinfo=UTC)

ZONE = "America/Denver"
"""Where the factories' partnerships meet unless a test says otherwise."""


def today_in(partnership: Partnership) -> date:
    """The partnership's date at NOW, computed the way the product computes it."""
    return local_today(partnership, NOW)


TODAY = today_in(Partnership(timezone=ZONE))
"""The date at NOW in ZONE: 7 March 2026, a day behind the UTC date."""
