"""``python -m sampleweb serve`` in a subprocess: one ready line, a sources file, clean exit on SIGTERM."""

from __future__ import annotations

import http.client
import signal
import subprocess
import sys
from pathlib import Path

from schemas.config import load_sources

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_serve_command_prints_ready_writes_sources_and_stops_on_sigterm(tmp_path):
    sources_file = tmp_path / "sources.yaml"
    process = subprocess.Popen(
        [sys.executable, "-m", "sampleweb", "serve", "--port", "0", "--write-sources", str(sources_file)],
        cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        ready = process.stdout.readline()
        assert ready.startswith("sampleweb ready:"), ready + process.stderr.read()
        sources = load_sources(sources_file)
        feed = next(s.feeds[0] for s in sources if s.id == "vesti-dana")
        host, port = feed.split("/")[2].split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=5)
        conn.request("GET", "/" + feed.split("/", 3)[3])
        assert conn.getresponse().status == 200
        conn.close()
        assert f"port {port}" in ready
    finally:
        process.send_signal(signal.SIGTERM)
        code = process.wait(timeout=20)
    assert code == 0
