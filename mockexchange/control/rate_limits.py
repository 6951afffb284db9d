"""The rate-limit operations of the control plane: read the tier and each user's bucket levels, change the tier.

The admin API's `GET|POST /_admin/rate_limits` and the Python API's `rate_limits()` and `set_rate_limit_tier(tier)`;
the change is a command of the core's (`core/rate_limits.py`'s `SetRateLimitTier`), whose handler is the buckets'
own, `core.rate_limits.RateLimits`, which the venues charge.
"""

from __future__ import annotations

from typing import Any

from mockexchange.control.commands import as_is, operation
from mockexchange.core.rate_limits import RateLimits, SetRateLimitTier


class RateLimitOperations:
    rate_limiter: RateLimits

    set_rate_limit_tier = operation(SetRateLimitTier, as_is)

    def rate_limits(self) -> dict[str, Any]:
        """The rate-limit tier, each venue's budgets, and each user's (or client address's) bucket levels."""
        return self.rate_limiter.state()
