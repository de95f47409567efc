"""How nnlab prints numbers: rounded, so that round-off in the last bits never shows."""

from __future__ import annotations

#: relative errors below this are printed as "< 1e-08": round-off, whose digits differ between machines
ERROR_FLOOR = 1e-8


def num(v: float, decimals: int = 4) -> str:
    """A number rounded to ``decimals`` places, without trailing zeros or a negative zero."""
    return f"{round(float(v), decimals) + 0.0:g}"


def format_error(e: float) -> str:
    """A relative error in two digits, or ``< 1e-08`` when it is below ``ERROR_FLOOR``."""
    return f"< {ERROR_FLOOR:.0e}" if e < ERROR_FLOOR else f"{e:.1e}"


def count(n: int, noun: str) -> str:
    """``n`` and the noun, in the plural unless n is 1: ``count(1, "linear region")`` is ``"1 linear region"``."""
    return f"{n} {noun}{'' if n == 1 else 's'}"
