"""``make demo``: the whole pipeline over the bundled sample web, digests, then the search UI.

Runs into ``var/demo/`` (archive ``var/demo/odjek.db`` unless ``ODJEK_DATABASE_URL`` names another store,
digests in ``var/demo/digests/``, mail in ``var/demo/outbox/``). The sample web is served on loopback at
a fixed port so its URLs, and so the archive, stay the same from one demo to the next.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import shutil
import sys
import time

from odjek.settings import PROJECT_ROOT, load_settings

DEMO_DIR = PROJECT_ROOT / "var" / "demo"
SAMPLE_WEB_PORT = int(os.environ.get("ODJEK_DEMO_WEB_PORT", "8700"))
DEMO_USER, DEMO_PASSWORD = "demo", "odjek-demo"


def demo_settings():
    os.environ["ODJEK_ALLOW_PRIVATE_ADDRESSES"] = "1"
    return load_settings(
        data_dir=str(DEMO_DIR), sources_file=str(DEMO_DIR / "sources.yaml"), allow_private_addresses=True,
        download_delay_s=os.environ.get("ODJEK_DOWNLOAD_DELAY_S", "0"),
        download_timeout_s=os.environ.get("ODJEK_DOWNLOAD_TIMEOUT_S", "5"),
        daily_recipients=os.environ.get("ODJEK_DAILY_RECIPIENTS", "rukovodstvo@dijaspora.example"),
        weekly_recipients=os.environ.get("ODJEK_WEEKLY_RECIPIENTS", "rukovodstvo@dijaspora.example"),
        secret_key=os.environ.get("ODJEK_SECRET_KEY") or "demo-only-secret-key",
    )


def _fresh_start(settings) -> None:
    """Start from an empty demo folder and store, so the demo shows a first run."""
    if DEMO_DIR.exists():
        shutil.rmtree(DEMO_DIR)
    DEMO_DIR.mkdir(parents=True)
    url = settings.resolved_database_url
    if url.startswith("postgres"):
        from archive.db import drop_postgres_database

        drop_postgres_database(url)


def run_demo(serve: bool) -> int:
    from rich.console import Console

    from odjek.commands.run import print_summary, summarize
    from odjek.runner import open_context, run_stages
    from sampleweb.clock import DEMO_TODAY
    from sampleweb.server import serve as serve_sample_web

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    settings = demo_settings()
    _fresh_start(settings)
    console = Console()
    started = time.perf_counter()
    with serve_sample_web(port=SAMPLE_WEB_PORT) as web:
        web.write_sources(DEMO_DIR / "sources.yaml")
        console.print(f"[bold]sample web[/] on 127.0.0.x:{web.port}; archive: "
                      f"{settings.redacted()['database_url'] or settings.resolved_database_url}")
        ctx = open_context(settings, progress=_progress(console))
        _import_sample_registry(ctx.db)
        reports = run_stages(ctx)
    print_summary(summarize(reports), time.perf_counter() - started)
    _check_office_mentions(ctx.db, console)
    _write_digests(settings, ctx.db, DEMO_TODAY, console)
    _ensure_demo_user(ctx.db)
    console.print(f"[bold]done[/] in {time.perf_counter() - started:.1f}s — archive {settings.resolved_database_url}")
    if not serve:
        return 0
    return _serve(settings, console)


def _progress(console):
    last = {"t": 0.0}

    def report(stage: str, done: int, total: int | None) -> None:
        now = time.monotonic()
        if now - last["t"] >= 2.0:
            last["t"] = now
            console.print(f"  {stage}: {done}{f'/{total}' if total else ''}")

    return report


def _check_office_mentions(db, console) -> None:
    """Show that the Directorate is found in both scripts and that no decoy article is flagged."""
    from archive.articles import office_flags
    from sampleweb.content import load_articles

    rows = office_flags(db)
    # A director decoy may rightly name the Directorate (its deputy's visit): count only decoys that must not be flagged.
    decoys = {a.path for a in load_articles() if a.expect.decoy and not a.expect.office}
    flagged_scripts = sorted({r["script"] for r in rows if r["office"]})
    flagged_decoys = [r["url"] for r in rows if r["office"] and any(r["url"].endswith(p) for p in decoys)]
    console.print(f"Directorate mentioned in {sum(r['office'] for r in rows)} articles, scripts: "
                  f"{', '.join(s or '?' for s in flagged_scripts)}; decoys flagged: {len(flagged_decoys)}")


def _write_digests(settings, db, today: dt.date, console) -> None:
    from reports.digest import render_digest, send_digest

    yesterday = today - dt.timedelta(days=1)
    last_monday = today - dt.timedelta(days=today.weekday() + 7)
    for kind, start in (("daily", yesterday), ("weekly", last_monday)):
        run = render_digest(settings, db, kind, start)
        deliveries = send_digest(settings, db, run)
        written = [d.detail for d in deliveries if d.state == "written"]
        console.print(f"{kind} digest {start}: {run.html_path}, {run.pdf_path}; mail: {', '.join(written) or '-'}")


def _import_sample_registry(db) -> None:
    """The sample web's invented diaspora organisations, so tagging links their mentions (docs/orgs.md)."""
    from archive.orgs import import_orgs, read_rows
    from sampleweb.content import SAMPLEWEB_DIR

    report = import_orgs(db, read_rows(SAMPLEWEB_DIR / "orgs.csv"))
    if report.errors:
        raise RuntimeError(f"sampleweb/orgs.csv: {report.errors[0]}")


def _ensure_demo_user(db) -> None:
    from archive.users import ensure_user

    ensure_user(db, DEMO_USER, DEMO_PASSWORD, "admin")


def _serve(settings, console) -> int:
    import uvicorn

    from web.app import create_app

    console.print(f"[bold green]search UI:[/] {settings.web.base_url}  — login [bold]{DEMO_USER}[/] / "
                  f"[bold]{DEMO_PASSWORD}[/]  (Ctrl-C to stop)")
    uvicorn.run(create_app(settings), host=settings.web.web_host, port=settings.web.web_port, log_level="warning")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m odjek.demo", description=__doc__)
    parser.add_argument("--serve", default="1", help="1: serve the search UI afterwards; 0: stop after the run")
    args = parser.parse_args(argv)
    return run_demo(serve=args.serve not in {"0", "false", "no"})


if __name__ == "__main__":
    sys.exit(main())
