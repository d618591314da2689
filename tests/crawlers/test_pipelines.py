"""Crawl statistics measure the crawl process itself."""

import subprocess
import sys

from tests.conftest import REPO_ROOT


def test_peak_memory_of_a_crawl_process_excludes_its_large_parent():
    ballast = bytearray(300 * 1024 * 1024)
    for i in range(0, len(ballast), 4096):
        ballast[i] = 1  # make the pages resident: the parent is now over 300 MB
    code = "from crawlers.pipelines import peak_rss_bytes; print(peak_rss_bytes())"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, check=True)
    assert int(out.stdout) < 200 * 1024 * 1024
    del ballast
