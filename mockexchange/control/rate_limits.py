"""The rate-limit operations of the control plane: read the tier and each user's bucket levels, change the tier.

`Control` inherits them (the admin API's `GET|POST /_admin/rate_limits`, the Python API's `rate_limits()` and
`set_rate_limit_tier(tier)`); the buckets are `core.rate_limits.RateLimits`, charged by the venues.
"""

from __future__ import annotations

from typing import Any

from mockexchange.control.errors import ControlError
from mockexchange.control.values import shown
from mockexchange.core.rate_budgets import OFF, TIERS
from mockexchange.core.rate_limits import RateLimits

_MAX_TIER_TEXT = 32


class RateLimitOperations:
    rate_limiter: RateLimits

    def rate_limits(self) -> dict[str, Any]:
        """The rate-limit tier, each venue's budgets, and each user's (or client address's) bucket levels."""
        return self.rate_limiter.state()

    def set_rate_limit_tier(self, tier: str) -> dict[str, Any]:
        """Change the rate-limit tier (off, basic, advanced, expert, premier, paragon, prime, prestige); every bucket
        starts full."""
        allowed = (OFF, *TIERS)
        name = tier.lower() if isinstance(tier, str) and len(tier) <= _MAX_TIER_TEXT else None
        if name not in allowed:
            raise ControlError(f"tier must be one of {', '.join(map(repr, allowed))}, not {shown(tier)}")
        self.rate_limiter.set_tier(name)
        return self.rate_limits()
