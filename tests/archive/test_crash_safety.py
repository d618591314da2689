"""A killed stage leaves nothing half-written, and parallel workers never take the same URL."""

import json
import os
import signal
import subprocess
import sys
import time
from multiprocessing import get_context

from archive import frontier, open_archive
from schemas.records import DiscoveredUrl, FrontierState
from tests.conftest import REPO_ROOT

WORDS = ("Управа за сарадњу с дијаспором и Србима у региону", "Uprava za dijasporu", "glasanje u inostranstvu",
         "Srbi u Crnoj Gori", "дијаспора у Немачкој", "povratak iz dijaspore", "vremenska prognoza", "fudbal")


def _import_file(path, n):
    lines = []
    for i in range(n):
        text = " ".join(WORDS[(i + k) % len(WORDS)] for k in range(12)) + f". Broj {i}."
        lines.append(json.dumps({"url": f"http://127.0.0.1/crash/{i}", "title": f"Vest {i} {WORDS[i % len(WORDS)]}",
                                 "text": text, "published": "2026-03-16T09:00:00+01:00", "source": "crash"},
                                ensure_ascii=False))
    path.write_text("\n".join(lines), encoding="utf-8")


def _odjek(env, *args, **kwargs):
    return subprocess.Popen([sys.executable, "-m", "odjek", *args], cwd=REPO_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kwargs)


def _env(tmp_path, name, batch_size):
    env = dict(os.environ)
    env.update({"ODJEK_DATA_DIR": str(tmp_path / name), "ODJEK_DATABASE_URL": "",
                "ODJEK_SOURCES_FILE": str(tmp_path / "sources.yaml"), "ODJEK_BATCH_SIZE": str(batch_size)})
    return env


def _snapshot(db):
    """Everything the tag stage writes, keyed by URL (ids may differ between archives)."""
    states = {r["canonical_url"]: (r["state"], r["lease_owner"]) for r in db.query(
        "SELECT canonical_url, state, lease_owner FROM frontier")}
    labels = sorted((r["url"], r["label"], round(r["score"], 6)) for r in db.query(
        "SELECT a.url, l.label, l.score FROM labels l JOIN articles a ON a.id = l.article_id"))
    mentions = sorted((r["url"], r["label"], r["start_offset"], r["end_offset"]) for r in db.query(
        "SELECT a.url, m.label, m.start_offset, m.end_offset FROM mentions m JOIN articles a ON a.id = m.article_id"))
    flags = sorted((r["url"], r["office"], r["director"], r["tagged_at"] is not None) for r in db.query(
        "SELECT url, office, director, tagged_at FROM articles"))
    return states, labels, mentions, flags


def _write_sources(tmp_path):
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - {id: crash, name: Crash, country: RS, languages: [sr], group: domestic,"
        " feeds: ['http://127.0.0.1:9/feed']}\n", encoding="utf-8")


def test_killed_tag_stage_rerun_equals_uninterrupted_run(tmp_path):
    _write_sources(tmp_path)
    articles = tmp_path / "articles.jsonl"
    _import_file(articles, 120)
    results = {}
    for name in ("uninterrupted", "killed"):
        env = _env(tmp_path, name, batch_size=4)
        assert _odjek(env, "import", str(articles)).wait(timeout=120) == 0
        db = open_archive(f"sqlite:///{tmp_path / name / 'odjek.db'}")
        if name == "killed":
            proc = _odjek(env, "run", "--stage", "tag")
            deadline = time.monotonic() + 120
            tagged = 0
            while time.monotonic() < deadline:
                tagged = frontier.counts_by_state(db).get("tagged", 0)
                if tagged >= 8:
                    break
                time.sleep(0.02)
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
            counts = frontier.counts_by_state(db)
            assert 0 < counts.get("tagged", 0) < 120, counts  # really killed mid-way
            leased = db.scalar("SELECT COUNT(*) FROM frontier WHERE lease_owner IS NOT NULL")
            assert leased > 0  # the batch it was working on is still claimed by the dead worker
        proc = _odjek(env, "run", "--stage", "tag")
        out, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err.decode()
        results[name] = _snapshot(db)
        db.close()
    assert results["killed"] == results["uninterrupted"]
    states = results["killed"][0]
    assert set(states.values()) == {("tagged", None)}


def _worker(url, owner, out_path, batch):
    from archive import frontier as fr
    from archive import open_archive as open_

    db = open_(url)
    claimed = []
    while True:
        entries = fr.claim(db, FrontierState.NEW, batch, owner)
        if not entries:
            break
        with db.transaction() as tx:
            for entry in entries:
                fr.set_state(tx, entry.id, FrontierState.FETCHED, owner)
        claimed.extend(e.id for e in entries)
    with open(out_path, "w") as fh:
        json.dump(claimed, fh)


def test_two_workers_on_postgresql_never_claim_the_same_url(postgres_url, tmp_path):
    db = open_archive(postgres_url)
    frontier.add_urls(db, [DiscoveredUrl(f"http://127.0.0.1/w/{i}", "s", "feed") for i in range(3000)])
    ctx = get_context("spawn")
    procs = [ctx.Process(target=_worker, args=(postgres_url, f"worker-{i}", tmp_path / f"w{i}.json", 25))
             for i in range(2)]
    for proc in procs:
        proc.start()
    for proc in procs:
        proc.join(timeout=300)
        assert proc.exitcode == 0
    first, second = (set(json.loads((tmp_path / f"w{i}.json").read_text())) for i in range(2))
    assert first and second, "both workers must have taken part"
    assert not first & second
    assert len(first) + len(second) == 3000
    assert frontier.counts_by_state(db) == {"fetched": 3000}
    db.close()
