"""How a number is shown to a person, in the terminal tables and in the HTML report alike."""

from __future__ import annotations

from typing import Any


def number(value: Any) -> str:
    """Thousands separated; three decimals when it is not whole; blank for None."""
    if value is None:
        return ""
    try:
        f = float(value)
    except (TypeError, ValueError):
        return str(value)
    return f"{int(f):,}" if f == int(f) else f"{f:,.3f}"
