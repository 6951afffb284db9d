"""Integer division rounded as an exchange rounds: to the nearest, a tie to the even one, or up. Both venues that hold
amounts as integers of fixed units (Kalshi's ledger, its perps exchange) round with these."""

from __future__ import annotations


def half_even(numerator: int, denominator: int) -> int:
    """numerator / denominator to the nearest integer, a tie to the even one (denominator > 0)."""
    quotient, rest = divmod(numerator, denominator)
    twice = 2 * rest
    if twice > denominator or (twice == denominator and quotient & 1):
        quotient += 1
    return quotient


def ceiling(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded up (denominator > 0)."""
    return -(-numerator // denominator)
