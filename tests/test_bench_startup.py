"""bench startup: the times to the first record and the end of a run, and the graph's size."""
from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from tests.fixtures import sample_warc


def test_startup_reports_the_first_record_before_the_end(tmp_path: Path) -> None:
    shard = sample_warc(tmp_path / "in.warc.gz")
    done = subprocess.run([sys.executable, "-m", "bench", "startup", "--", "-q", "--input", str(shard), "--output",
                           str(tmp_path / "out"), "--detectors", ""], capture_output=True, text=True, check=False)
    found = re.search(r"imports ([\d.]+) s, first record ([\d.]+) s, total ([\d.]+) s, transforms (\d+) \(status \d+\)",
                      done.stdout)
    assert found, done.stdout + done.stderr
    imports, first, total, transforms = map(float, found.groups())
    assert 0 < imports < first < total and transforms > 100
