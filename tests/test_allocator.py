"""The trimming thread hands a fragmented heap's free pages back to the OS, once per process, and can be turned off."""
from __future__ import annotations

import subprocess
import sys
import textwrap
import threading

import pytest

from provmix.pipeline import allocator

pytestmark = pytest.mark.skipif(allocator._malloc_trim() is None, reason="needs glibc's malloc_trim")

# Frees 200 MB of 2 KB blocks but keeps one block in 64, so glibc cannot shrink its heap from the top.
_FRAGMENTED_HEAP = textwrap.dedent("""
    import threading, time
    from provmix.pipeline import allocator

    def rss_mb():
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * 4096 / 2**20

    started = allocator.start_trimming()
    blocks = [bytes(2048) for _ in range(100_000)]
    kept = blocks[::64]
    peak = rss_mb()
    del blocks
    time.sleep(1.5)
    threads = [t.name for t in threading.enumerate() if t.name == allocator.THREAD_NAME]
    print(started, len(threads), round(peak - rss_mb()))
""")


def _run(env: dict[str, str]) -> tuple[str, int, int]:
    out = subprocess.run([sys.executable, "-c", _FRAGMENTED_HEAP], env={**env, "PYTHONPATH": ":".join(sys.path)},
                         capture_output=True, text=True, check=True).stdout.split()
    return out[0], int(out[1]), int(out[2])


def test_freed_pages_go_back_to_the_os() -> None:
    started, threads, released_mb = _run({allocator.PERIOD_ENV: "0.5"})
    assert (started, threads) == ("True", 1)
    assert released_mb > 150


def test_turned_off_nothing_is_released() -> None:
    started, threads, released_mb = _run({allocator.PERIOD_ENV: "0"})
    assert (started, threads) == ("False", 0)
    assert released_mb < 50


def test_one_thread_per_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(allocator.PERIOD_ENV, "60")
    assert allocator.start_trimming() and allocator.start_trimming()
    assert [t.name for t in threading.enumerate()].count(allocator.THREAD_NAME) == 1


def test_a_bad_period_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(allocator.PERIOD_ENV, "soon")
    with pytest.raises(ValueError, match="PROVMIX_MALLOC_TRIM_S='soon' is not a number of seconds"):
        allocator.start_trimming()
