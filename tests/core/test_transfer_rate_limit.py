"""Bandwidth limits: the token buckets on a fake clock (the sleeps they ask for, exactly), and the data path
consulting them for every block, across the channels of a ranged copy against sshd."""

from __future__ import annotations

import asyncio
import hashlib
import os
from pathlib import Path

import pytest

from sshdeck.core.transfer import LocalEndpoint, SftpEndpoint, Transfer, TransferOptions
from sshdeck.core.transfer.rate_limit import (
    BURST_SECONDS,
    RateBucket,
    RateError,
    Throttle,
    format_rate,
    parse_rate,
    rate_text,
)
from tests.core.transfer_servers import Remote, connect_openssh

KIB = 1024
MIB = 1024 * KIB


class FakeTime:
    """A clock that moves only when a sleep is asked for (or `frozen`: never), and the list of sleeps."""

    def __init__(self, frozen: bool = False) -> None:
        self.now = 100.0
        self.frozen = frozen
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float, wake: asyncio.Future) -> None:
        self.sleeps.append(round(seconds, 6))
        if not self.frozen:
            self.now += seconds


def throttle(fake: FakeTime, rate: int = 0, total: RateBucket | None = None) -> Throttle:
    return Throttle(rate, total=total if total is not None else RateBucket(clock=fake.clock), clock=fake.clock,
                    sleep=fake.sleep)


# -- RATE texts ------------------------------------------------------------------------------


@pytest.mark.parametrize("text, rate", [
    ("500K", 500 * KIB), ("2M", 2 * MIB), ("1.5M", 1536 * KIB), ("800k", 800 * KIB), ("1G", 1024 * MIB),
    ("1000", 1000), ("2MiB", 2 * MIB), ("2 M/s", 2 * MIB), ("0", 0), ("off", 0), ("OFF", 0),
])
def test_rate_texts_are_bytes_per_second_in_binary_units(text: str, rate: int) -> None:
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", ["fast", "-1M", "1.5.2", "", "2T", "1e9", "0.5", "9999999G", "2M\x1b[2J", "9" * 5000])
def test_a_bad_rate_is_refused_with_one_line_saying_how_to_write_one(text: str) -> None:
    with pytest.raises(RateError) as caught:
        parse_rate(text)
    message = str(caught.value)
    assert "\n" not in message and "\x1b" not in message and len(message) < 200
    assert "off" in message  # it says how to turn the limit off, too


def test_rates_are_shown_in_binary_units_and_saved_as_texts_that_read_back_exactly() -> None:
    assert [format_rate(r) for r in (2 * MIB, 1536 * KIB, 500 * KIB, 1000, 0)] == [
        "2 MiB/s", "1.5 MiB/s", "500 KiB/s", "1000 B/s", "off"]
    for rate in (2 * MIB, 1536 * KIB, 1000, 3 * 1024 * MIB, 0):
        assert parse_rate(rate_text(rate)) == rate


# -- the buckets, on a fake clock ---------------------------------------------------------------


async def test_one_transfer_waits_exactly_a_block_at_a_time_after_its_burst() -> None:
    fake = FakeTime()
    limit = throttle(fake, rate=1 * MIB)  # a burst of 256 KiB, then a 256 KiB block every 0.25 s
    for _ in range(8):
        await limit.take(256 * KIB)
    assert fake.sleeps == [0.25] * 7
    assert limit.stats.throttled_bytes == 7 * 256 * KIB and limit.stats.waits == 7
    # Two MiB in 1.75 s: the rate times the time plus one burst, never more.
    assert 8 * 256 * KIB == 1 * MIB * 1.75 + 1 * MIB * BURST_SECONDS


async def test_blocks_of_mixed_sizes_wait_for_exactly_their_debt() -> None:
    fake = FakeTime()
    limit = throttle(fake, rate=100_000)  # a burst of 25,000 bytes
    for count in (10_000, 20_000, 5_000, 50_000, 1_000):
        await limit.take(count)
    # 10k free; 20k leaves a debt of 5k (0.05 s); 5k: 0.05 s; 50k: 0.5 s; 1k: 0.01 s.
    assert fake.sleeps == [0.05, 0.05, 0.5, 0.01]


async def test_a_quiet_spell_refills_the_bucket_only_up_to_its_burst() -> None:
    fake = FakeTime()
    limit = throttle(fake, rate=1 * MIB)
    await limit.take(256 * KIB)
    fake.now += 60  # a minute without traffic earns a quarter of a second's worth, not a minute's
    await limit.take(256 * KIB)
    await limit.take(256 * KIB)
    assert fake.sleeps == [0.25]


async def test_the_total_bucket_is_shared_by_two_transfers() -> None:
    fake = FakeTime(frozen=True)  # both ask at the same instant
    total = RateBucket(1 * MIB, clock=fake.clock)
    first, second = throttle(fake, total=total), throttle(fake, total=total)
    for limit in (first, second, first, second):
        await limit.take(256 * KIB)
    # Alone, each would have waited 0.25 s for its second block; sharing, they queue behind each other.
    assert fake.sleeps == [0.25, 0.5, 0.75]
    assert (first.stats.waits, second.stats.waits) == (1, 2)


async def test_the_stricter_of_the_own_and_the_total_limit_decides() -> None:
    fake = FakeTime(frozen=True)
    total = RateBucket(4 * MIB, clock=fake.clock)  # a burst of 1 MiB
    limit = throttle(fake, rate=1 * MIB, total=total)
    for _ in range(3):
        await limit.take(256 * KIB)
    assert fake.sleeps == [0.25, 0.5]  # the transfer's own 1 MiB/s; the total has room left
    fast = throttle(fake, rate=8 * MIB, total=total)
    await fast.take(512 * KIB)
    assert fake.sleeps[-1] == pytest.approx(0.0625)  # now the total is short: 256 KiB of debt at 4 MiB/s


async def test_no_limit_never_sleeps_and_says_it_is_inactive() -> None:
    fake = FakeTime()
    limit = throttle(fake)
    assert not limit.active
    for _ in range(100):
        await limit.take(1 * MIB)
    assert fake.sleeps == [] and limit.stats.waits == 0


async def test_a_new_rate_wakes_a_transfer_sleeping_on_the_old_one() -> None:
    fake = FakeTime()
    total = RateBucket(1000, clock=fake.clock)
    woken: list[bool] = []

    async def sleep_until_woken(seconds: float, wake: asyncio.Future) -> None:
        fake.sleeps.append(seconds)
        await wake  # never times out: only a rate change ends it
        woken.append(True)

    limit = Throttle(0, total=total, clock=fake.clock, sleep=sleep_until_woken)
    await limit.take(250)  # the burst
    waiting = asyncio.ensure_future(limit.take(1 * MIB))  # ~1049 s at 1000 B/s
    for _ in range(5):
        await asyncio.sleep(0)
    assert fake.sleeps == [pytest.approx(1 * MIB / 1000)] and not waiting.done()
    total.set_rate(0)  # "Speed limit: off"
    await waiting
    assert woken == [True] and not limit.active


# -- the data path consults the limit for every block ------------------------------------------------


async def test_a_limited_local_copy_asks_the_limit_for_every_block(tmp_path: Path) -> None:
    data = os.urandom(3 * MIB + 123)
    (tmp_path / "src").mkdir()
    (tmp_path / "dst").mkdir()
    (tmp_path / "src" / "f.bin").write_bytes(data)
    source, dest = LocalEndpoint(tmp_path / "src"), LocalEndpoint(tmp_path / "dst")
    transfer = Transfer(source, dest, [((b"f.bin",), (b"f.bin",))], TransferOptions(limit=1000))
    fake = FakeTime(frozen=True)
    transfer.limit = throttle(fake, rate=1000)  # 250 bytes of burst: every block waits
    report = await transfer.run()
    assert report.ok, [i.error for i in report.failed]
    assert (tmp_path / "dst" / "f.bin").read_bytes() == data
    block = min(source.block_size, dest.block_size)
    assert transfer.limit.stats.throttled_bytes == len(data)
    assert transfer.limit.stats.waits == -(-len(data) // block)


async def test_an_unlimited_copy_never_awaits_the_limit(tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "dst").mkdir()
    (tmp_path / "src" / "f.bin").write_bytes(os.urandom(2 * MIB))
    transfer = Transfer(LocalEndpoint(tmp_path / "src"), LocalEndpoint(tmp_path / "dst"), [((b"f.bin",), (b"f.bin",))])
    asked: list[int] = []

    async def take(count: int) -> None:
        asked.append(count)

    monkeypatch.setattr(transfer.limit, "take", take)
    assert (await transfer.run()).ok
    assert asked == []


@pytest.mark.parametrize("direction", ["download", "upload"])
async def test_one_limit_covers_every_channel_of_a_ranged_copy(openssh_server, tmp_path: Path, direction: str) -> None:
    data = os.urandom(4 * MIB + 7)
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    (there if direction == "download" else here).joinpath("big.bin").write_bytes(data)
    remote = Remote(lambda: connect_openssh(openssh_server))

    async def channel():
        return await remote.conns[-1].start_sftp_client()

    try:
        remote_end = SftpEndpoint(await remote.sftp(), os.fsencode(str(there)), reconnect=remote.sftp, channels=channel)
        source, dest = (remote_end, LocalEndpoint(here)) if direction == "download" else (LocalEndpoint(here), remote_end)
        options = TransferOptions(ranged_from=MIB, range_size=MIB, channels_start=3, channels_max=3, limit=1000)
        transfer = Transfer(source, dest, [((b"big.bin",), (b"big.bin",))], options)
        fake = FakeTime(frozen=True)
        transfer.limit = throttle(fake, rate=1000)
        report = await transfer.run()
    finally:
        await remote.close()
    assert report.ok, [i.error for i in report.failed]
    arrived = (here if direction == "download" else there) / "big.bin"
    assert hashlib.sha256(arrived.read_bytes()).digest() == hashlib.sha256(data).digest()
    # Every byte, whichever channel carried it, was charged to the one transfer limit.
    assert transfer.limit.stats.throttled_bytes == len(data)


async def test_many_limited_files_in_a_tight_memory_budget_all_arrive(tmp_path: Path) -> None:
    """Waiting on the limit never happens while a file holds memory another file waits for (no deadlock)."""
    (tmp_path / "src").mkdir()
    (tmp_path / "dst").mkdir()
    files = {f"f{n:02d}.bin": os.urandom(300_000 + n) for n in range(24)}
    for name, data in files.items():
        (tmp_path / "src" / name).write_bytes(data)
    source, dest = LocalEndpoint(tmp_path / "src"), LocalEndpoint(tmp_path / "dst")
    options = TransferOptions(memory_limit=1, parallel_files=8, limit=1000)  # four blocks in memory for all files
    transfer = Transfer(source, dest, [((n.encode(),), (n.encode(),)) for n in files], options)
    transfer.limit = throttle(FakeTime(frozen=True), rate=1000)
    report = await asyncio.wait_for(transfer.run(), 120)  # a deadlock would hang here
    assert report.ok, [i.error for i in report.failed]
    assert {n: (tmp_path / "dst" / n).read_bytes() for n in files} == files
    assert transfer.limit.stats.throttled_bytes == sum(len(d) for d in files.values())
