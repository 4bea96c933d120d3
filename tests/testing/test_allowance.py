"""The fake's metered points allowance: charged per request, refused when spent, renewed hourly."""

import pytest

from kraken_energy import APIKey, RateLimitedError, RetryPolicy
from kraken_energy.testing import DEMO_ACCOUNT, DEMO_API_KEY, FakeKraken, FakeKrakenConfig
from kraken_energy.testing._clock import ManualClock

HOUR_START = 1_800_000_000 - 1_800_000_000 % 3600


@pytest.mark.usefixtures("kraken_no_retry_waits")
async def test_requests_are_charged_until_the_hour_is_spent_then_renewed() -> None:
    """Four 17-point requests fit in 70 points; the fifth is KT-CT-1199 until the next hour."""
    clock = ManualClock(HOUR_START + 60)
    fake = FakeKraken(config=FakeKrakenConfig(points_per_request=17, points_per_hour=70),
                      clock=clock)
    async with fake.client(auth=APIKey(DEMO_API_KEY), retry=RetryPolicy(max_attempts=1)) as kraken:
        for _ in range(4):
            await kraken.get_account(account_number=DEMO_ACCOUNT)
        allowance = (await kraken.rate_limit()).rate_limit_info.points_allowance_rate_limit
        assert (allowance.limit, allowance.used_points, allowance.remaining_points) == (70, 68, 2)
        assert (allowance.ttl, allowance.is_blocked) == (HOUR_START + 3600, False)
        with pytest.raises(RateLimitedError):
            await kraken.get_account(account_number=DEMO_ACCOUNT)
        blocked = (await kraken.rate_limit()).rate_limit_info.points_allowance_rate_limit
        assert (blocked.remaining_points, blocked.is_blocked) == (0, True)
        clock.advance(3600)
        await kraken.get_account(account_number=DEMO_ACCOUNT)  # a new allowance
        renewed = (await kraken.rate_limit()).rate_limit_info.points_allowance_rate_limit
        assert (renewed.used_points, renewed.ttl) == (17, HOUR_START + 7200)


async def test_without_metering_nothing_is_charged() -> None:
    """The default fake reports a full allowance however many requests it answered."""
    fake = FakeKraken()
    async with fake.client(auth=APIKey(DEMO_API_KEY)) as kraken:
        for _ in range(3):
            await kraken.get_account(account_number=DEMO_ACCOUNT)
        allowance = (await kraken.rate_limit()).rate_limit_info.points_allowance_rate_limit
    assert (allowance.used_points, allowance.remaining_points) == (0, 50_000)
