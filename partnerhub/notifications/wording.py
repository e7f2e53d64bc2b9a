"""How emails say dates and times: in words, in a given time zone."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def local_when(moment: datetime, zone: str, fmt: str = "%A {day} %B %Y, %H:%M %Z") -> str:
    local = moment.astimezone(ZoneInfo(zone))
    return local.strftime(fmt.replace("{day}", str(local.day)))


@lru_cache(maxsize=512)
def known_zone(name: str) -> bool:
    """True for an IANA time zone this machine knows (a bad one must not stop the sweep)."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"
