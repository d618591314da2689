"""Crawl throughput: Odjek's discovery + fetch against a plain minimal Scrapy spider, same loopback web, same run.

The web is HOSTS loopback servers (127.0.0.101 …) with an RSS feed of PAGES article links each and
~15 KB article pages. Odjek runs with its production settings (robots.txt, per-host concurrency,
AutoThrottle, size limits, the address guard, the archive pipeline writing gzip pages to SQLite),
relaxed only in delay (0 s instead of 1 s). The baseline is a plain ``scrapy.Spider`` that requests the
same article URLs (in round-robin host order) with the same total and per-host concurrency and does
nothing with the responses.
Both run as fresh processes, alternately, so load from other processes hits both alike; the rate is
pages over the crawl's own wall time (process start-up excluded, reported separately).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST_PREFIX = "127.0.0."
FIRST_HOST = 101
PAGE_FILLER = "<p>Beograd — Uprava za saradnju s dijasporom i Srbima u regionu održala je sastanak. </p>\n" * 160

PLAIN_SPIDER = r'''
import json, sys, time
import scrapy
from scrapy.crawler import CrawlerProcess

urls = json.load(open(sys.argv[1]))
out = sys.argv[2]

class Plain(scrapy.Spider):
    name = "plain"
    async def start(self):
        for url in urls:
            yield scrapy.Request(url, callback=self.parse, dont_filter=True)
    def parse(self, response):
        self.crawler.stats.inc_value("plain/pages")

process = CrawlerProcess({"CONCURRENT_REQUESTS": int(sys.argv[3]), "CONCURRENT_REQUESTS_PER_DOMAIN": int(sys.argv[4]),
                          "LOG_LEVEL": "WARNING", "TELNETCONSOLE_ENABLED": False, "MEMUSAGE_ENABLED": True})
crawler = process.create_crawler(Plain)
process.crawl(crawler)
process.start()
stats = crawler.stats.get_stats()
import resource
json.dump({"pages": stats.get("plain/pages", 0), "seconds": stats["elapsed_time_seconds"],
           "memusage_max": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}, open(out, "w"))
'''


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802
        site = self.server.site  # type: ignore[attr-defined]
        if self.path == "/robots.txt":
            body, kind = b"User-agent: *\nDisallow: /privatno/\n", "text/plain"
        elif self.path == "/rss.xml":
            body, kind = site["rss"], "application/rss+xml"
        elif self.path.startswith("/a/"):
            n = self.path.rsplit("/", 1)[-1]
            body = (f"<html><head><title>Vest {n}</title><link rel='canonical' href='{site['base']}/a/{n}'></head>"
                    f"<body><article><h1>Vest {n}</h1>{PAGE_FILLER}</article></body></html>").encode()
            kind = "text/html; charset=utf-8"
        else:
            body, kind = b"not found", "text/plain"
        self.send_response(200 if kind != "text/plain" or self.path == "/robots.txt" else 404)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format, *args) -> None:  # noqa: A002
        pass


def start_web(hosts: int, pages: int) -> tuple[list, list[str], list[dict]]:
    """Start the loopback web; return servers, all article URLs (interleaved by host), and the sources."""
    servers, urls, sources = [], [], []
    for i in range(hosts):
        server = ThreadingHTTPServer((f"{HOST_PREFIX}{FIRST_HOST + i}", 0), _Handler)
        server.daemon_threads = True
        base = f"http://{server.server_address[0]}:{server.server_address[1]}"
        links = [f"{base}/a/{n}" for n in range(pages)]
        items = "".join(f"<item><title>Vest {n}</title><link>{u}?utm_source=rss</link></item>" for n, u in enumerate(links))
        server.site = {"base": base, "rss": f'<rss version="2.0"><channel><title>S{i}</title>{items}</channel></rss>'.encode()}
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        urls.append(links)
        sources.append({"id": f"bench-{i:02d}", "name": f"Bench {i}", "country": "RS", "languages": ["sr"],
                        "group": "domestic", "feeds": [f"{base}/rss.xml"]})
    # Round-robin by host, so the baseline's default scheduler is not starved by one host's slot queue.
    interleaved = [host_urls[n] for n in range(pages) for host_urls in urls]
    return servers, interleaved, sources


def run_plain(urls: list[str], concurrency: int, per_host: int, folder: Path) -> dict:
    """The baseline spider in a fresh process."""
    url_file, out = folder / "urls.json", folder / "plain.json"
    url_file.write_text(json.dumps(urls))
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", PLAIN_SPIDER, str(url_file), str(out), str(concurrency), str(per_host)],
                   check=True, cwd=ROOT)
    result = json.loads(out.read_text())
    result["process_seconds"] = time.monotonic() - started
    return result


def run_odjek(sources_data: list[dict], folder: Path, round_no: int) -> dict:
    """Odjek's discover + fetch crawls over a fresh archive."""
    from archive import open_archive
    from crawlers.process import run_crawl
    from odjek.settings import Settings
    from schemas.config import Source

    db_url = f"sqlite:///{folder / f'bench-{round_no}.db'}"
    open_archive(db_url).close()
    settings = Settings.from_mapping({"database_url": db_url, "allow_private_addresses": True,
                                      "download_delay_s": 0})
    sources = [Source.model_validate(s) for s in sources_data]
    started = time.monotonic()
    discovered = run_crawl("discover", settings, sources)
    middle = time.monotonic()
    fetched = run_crawl("fetch", settings, sources)
    ended = time.monotonic()
    return {
        "discovered": sum(t["discovered"] for t in discovered.sources.values()),
        "discover_seconds": discovered.stats.get("crawl_seconds", middle - started),
        "pages": sum(t["fetched"] for t in fetched.sources.values()),
        "seconds": fetched.stats.get("crawl_seconds", ended - middle),
        "process_seconds": ended - middle,
        "memusage_max": max(discovered.stats.get("peak_rss_bytes") or 0, fetched.stats.get("peak_rss_bytes") or 0),
        "concurrency": settings.crawl.concurrent_requests, "per_host": settings.crawl.concurrency_per_domain,
    }


def run(quick: bool) -> str:
    """Benchmark section (Markdown)."""
    hosts, pages = (20, 50) if quick else (20, 200)
    rounds = 1 if quick else 2
    os.environ.setdefault("ODJEK_ALLOW_PRIVATE_ADDRESSES", "1")
    servers, urls, sources = start_web(hosts, pages)
    ours, plain = [], []
    try:
        with tempfile.TemporaryDirectory(prefix="odjek-bench-crawl-") as tmp:
            folder = Path(tmp)
            for round_no in range(rounds):
                ours.append(run_odjek(sources, folder, round_no))
                plain.append(run_plain(urls, ours[-1]["concurrency"], ours[-1]["per_host"], folder))
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()
    our_rate = sum(r["pages"] for r in ours) / sum(r["seconds"] for r in ours)
    plain_rate = sum(r["pages"] for r in plain) / sum(r["seconds"] for r in plain)
    mb = 1024 * 1024
    lines = [
        "## Crawling (discovery + polite fetch)",
        "",
        f"Loopback web of {hosts} hosts × {pages} article pages (~15 KB each, RSS feed per host); "
        f"{rounds} round(s), Odjek and the plain spider alternating. Both: {ours[0]['concurrency']} concurrent "
        f"requests, {ours[0]['per_host']} per host. Odjek: production settings with the delay relaxed to 0 s "
        "(robots.txt, AutoThrottle, address guard, size limits, pages stored gzip-compressed in SQLite).",
        "",
        "| crawler | pages fetched | crawl seconds | pages/s | process incl. start-up (s) | peak RSS (MB) |",
        "|---|---|---|---|---|---|",
    ]
    for name, runs in (("Odjek fetch stage", ours), ("plain Scrapy spider", plain)):
        for r in runs:
            lines.append(f"| {name} | {r['pages']} | {r['seconds']:.1f} | {r['pages'] / r['seconds']:.0f} | "
                         f"{r['process_seconds']:.1f} | {(r['memusage_max'] or 0) / mb:.0f} |")
    lines += [
        "",
        f"Odjek discovery (feeds → frontier): {ours[0]['discovered']} new URLs in {ours[0]['discover_seconds']:.1f} s.",
        f"**Odjek fetch rate: {our_rate:.0f} pages/s = {our_rate / plain_rate:.2f}× the plain spider's "
        f"{plain_rate:.0f} pages/s** (goal ≥ 0.8×).",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    print(run(quick="--quick" in sys.argv))
