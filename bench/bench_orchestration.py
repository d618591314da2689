"""Collect under a real scheduler: the same collect run with 1 and with 4 parallel task slots.

The sample web (15 outlets on their own loopback hosts) with production politeness: 1 s between requests to
a host and 2 requests at a time per host. Airflow runs for real (api-server, dag-processor, scheduler,
LocalExecutor, PostgreSQL metadata database; see ``bench.airflow_local``); the collect DAG maps discover,
fetch, extract and tag over host partitions. Each case starts from an empty archive; the figure is the DAG
run's own wall time (start to end in the metadata database) and the articles it archived and tagged.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

import yaml

POSTGRES_ADMIN_URL = os.environ.get("ODJEK_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres")
SLOTS = (1, 4)
DELAY_S = 1.0
PER_HOST = 2


def collect_once(workdir: Path, web, slots: int, outlets: int) -> dict:
    from archive import open_archive
    from bench.airflow_local import local_airflow, run_seconds

    sources = web.sources()
    sources["sources"] = sources["sources"][:outlets]
    for entry in sources["sources"]:
        entry["crawl"] = {"download_delay_s": DELAY_S, "concurrency": PER_HOST}
    sources_file = workdir / "sources.yaml"
    sources_file.write_text(yaml.safe_dump(sources, allow_unicode=True), encoding="utf-8")
    env = {"ODJEK_DATA_DIR": str(workdir / "var"), "ODJEK_DATABASE_URL": "", "ODJEK_SOURCES_FILE": str(sources_file),
           "ODJEK_ALLOW_PRIVATE_ADDRESSES": "1", "ODJEK_DOWNLOAD_DELAY_S": str(DELAY_S),
           "ODJEK_CONCURRENCY_PER_DOMAIN": str(PER_HOST)}
    started = time.monotonic()
    with local_airflow(workdir, ["odjek_collect"], env, POSTGRES_ADMIN_URL, parallelism=slots) as airflow:
        runs = airflow.wait_finished(["odjek_collect"], timeout_s=1800)
        tasks = airflow.task_states("odjek_collect")
    (run,) = runs["odjek_collect"]
    db = open_archive(f"sqlite:///{workdir / 'var' / 'odjek.db'}")
    return {"slots": slots, "state": run["state"], "seconds": run_seconds(run),
            "articles": db.scalar("SELECT COUNT(*) FROM articles WHERE is_article = 1"),
            "tagged": db.scalar("SELECT COUNT(*) FROM articles WHERE tagged_at IS NOT NULL"),
            "pages": db.scalar("SELECT COUNT(*) FROM raw_pages"),
            "partitions": len(tasks.get("crawl.fetch", [])), "task_instances": sum(len(v) for v in tasks.values()),
            "harness_s": time.monotonic() - started}


def run(quick: bool) -> str:
    from sampleweb.server import serve

    outlets = 5 if quick else 15
    rows, results = [], []
    load_before = os.getloadavg()[0]
    with serve(port=0) as web:
        for slots in SLOTS:
            with tempfile.TemporaryDirectory(prefix=f"odjek-bench-orch-{slots}-") as tmp:
                r = collect_once(Path(tmp), web, slots, outlets)
            results.append(r)
            rows.append(f"| {r['slots']} | {r['state']} | {r['seconds']:.0f} | {r['pages']} | {r['articles']} |"
                        f" {r['tagged']} | {r['partitions']} | {r['task_instances']} |")
    one, four = results[0], results[-1]
    speedup = one["seconds"] / four["seconds"] if four["seconds"] else float("nan")
    return "\n".join([
        "## Collect under a real scheduler: 1 and 4 parallel task slots",
        "",
        f"The sample web's first {outlets} outlets (each its own loopback host) with production politeness "
        f"({DELAY_S:.0f} s between requests to a host, {PER_HOST} at a time per host); Airflow 3 api-server, "
        "dag-processor and scheduler as separate processes, LocalExecutor with `[core] parallelism` set to the "
        "slots, PostgreSQL metadata database; each case from an empty archive. Seconds are the DAG run's wall "
        f"time from the metadata database. Load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after "
        "(2 cores shared with other work).",
        "",
        "| task slots | run state | run wall time (s) | pages fetched | articles | tagged | host partitions |"
        " task instances |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
        *rows,
        "",
        f"4 slots ran the same collect run {speedup:.2f}x as fast as 1 slot.",
        "",
    ])
