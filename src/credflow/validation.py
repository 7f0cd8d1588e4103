"""Checks shared by every settings table, the core's and the plugins': numbers and file sizes.

One function per kind of value, so that `timeout = nan` is refused the same
way in `[clients.<name>]`, `[clients.<name>.retry]` and `[sources.vault]`.
Each raises `ConfigError` reading `<key>: expected …, got …`; a value that is
not a number is named by its type only, since a misplaced string may be a
secret.
"""

from __future__ import annotations

import math
from datetime import timedelta

from .errors import ConfigError

__all__ = ["MAX_FILE_BYTES", "MAX_SECONDS", "check_fraction", "check_integer", "check_seconds"]

#: The largest configuration file or `file:` secret credflow reads (1 MiB).
MAX_FILE_BYTES = 1 << 20

#: The longest duration a setting may hold: ten years. Far beyond any sensible
#: timeout or lifetime, and far below what `timedelta`, `datetime` arithmetic
#: and the thread and event-loop timeouts can hold.
MAX_SECONDS = 10 * 365 * 86400.0


def _shown(value: object) -> str:
    # Numbers and booleans are shown as written; anything else only by its type.
    if isinstance(value, bool | int | float):
        return repr(value)
    return type(value).__name__


def check_seconds(value: object, key: str, *, positive: bool = False, maximum: float = MAX_SECONDS) -> float:
    """`value` as a finite number of seconds in range, or `ConfigError` naming `key`.

    Accepts an int, a float or a `timedelta`; refuses booleans, NaN, the
    infinities, negative numbers (and zero when `positive`) and anything
    above `maximum` (ten years by default).
    """
    number = value.total_seconds() if isinstance(value, timedelta) else value
    if isinstance(number, bool) or not isinstance(number, int | float):
        raise ConfigError(f"{key}: expected a number of seconds, got {type(value).__name__}")
    if isinstance(number, float) and not math.isfinite(number):
        raise ConfigError(f"{key}: expected a finite number of seconds, got {number!r}")
    if number < 0 or (positive and number == 0):
        kind = "positive" if positive else "non-negative"
        raise ConfigError(f"{key}: expected a {kind} number of seconds, got {number!r}")
    if number > maximum:
        raise ConfigError(f"{key}: expected at most {maximum:.0f} seconds, got {number!r}")
    return float(number)


def check_integer(value: object, key: str, *, minimum: int, maximum: int) -> int:
    """`value` as an integer from `minimum` to `maximum`, or `ConfigError` naming `key`."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(f"{key}: expected an integer of at least {minimum}, got {_shown(value)}")
    if value > maximum:
        raise ConfigError(f"{key}: expected an integer of at most {maximum}, got {value!r}")
    return value


def check_fraction(value: object, key: str) -> float:
    """`value` as a number strictly between 0 and 1, or `ConfigError` naming `key`."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 < value < 1:
        # NaN fails `0 < value` too, so it lands here with the rest.
        raise ConfigError(f"{key}: expected a number between 0 and 1, got {_shown(value)}")
    return float(value)
