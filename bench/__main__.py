"""Run every ``bench/bench_*.py`` and rewrite ``docs/benchmarks.md`` with their sections.

Each benchmark module exposes ``run(quick: bool) -> str`` returning a Markdown section with its figures,
measured side by side with its baseline in the same run. ``--only NAME`` runs one; ``--quick`` scales down.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import pkgutil
import platform
import re
import sys
import traceback
from pathlib import Path

import bench

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"


def machine() -> str:
    import psutil

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{cpu}, {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB RAM, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}")


def _sections(text: str) -> dict[str, str]:
    """Existing sections of docs/benchmarks.md by benchmark name, so one benchmark can be rerun alone."""
    found = {}
    for match in re.finditer(r"<!-- bench:(\w+) -->\n(.*?)<!-- /bench:\1 -->", text, re.S):
        found[match.group(1)] = match.group(2)
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--only", action="append", help="run only this benchmark (e.g. search); repeatable")
    parser.add_argument("--quick", action="store_true", help="scaled-down sizes, for a smoke run")
    args = parser.parse_args(argv)
    names = sorted(m.name[len("bench_"):] for m in pkgutil.iter_modules(bench.__path__) if m.name.startswith("bench_"))
    wanted = args.only or names
    unknown = set(wanted) - set(names)
    if unknown:
        parser.error(f"unknown benchmark(s) {sorted(unknown)}; known: {names}")
    sections = _sections(DOCS.read_text(encoding="utf-8")) if DOCS.exists() else {}
    failed = 0
    for name in wanted:
        print(f"== bench {name}", file=sys.stderr, flush=True)
        try:
            body = importlib.import_module(f"bench.bench_{name}").run(args.quick)
            stamp = f"_Measured {dt.date.today().isoformat()}{' (quick mode)' if args.quick else ''}._\n\n"
            sections[name] = stamp + body.strip() + "\n"
        except Exception:  # noqa: BLE001 - one broken benchmark must not lose the others' figures
            failed += 1
            traceback.print_exc()
    parts = ["# Benchmarks\n", f"Machine: {machine()}.\n",
             "Rerun with `make bench` (all) or `make bench BENCH_ARGS='--only NAME'`. Every figure is measured "
             "side by side with its baseline in the same run.\n"]
    for name in sorted(sections):
        parts.append(f"<!-- bench:{name} -->\n{sections[name]}<!-- /bench:{name} -->\n")
    DOCS.parent.mkdir(exist_ok=True)
    DOCS.write_text("\n".join(parts), encoding="utf-8")
    print(f"wrote {DOCS}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
