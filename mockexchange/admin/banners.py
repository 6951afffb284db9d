"""What the venues' parts of `mockexchange serve`'s banner share (each venue's is its admin package's `banner.py`,
named by its registration's `banner`; cli/banner.py puts them together): counting in words."""

from __future__ import annotations


def counted(n: int, noun: str) -> str:
    """`1 market`, `2 markets`, `0 markets`, `7,010 fills`."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"
