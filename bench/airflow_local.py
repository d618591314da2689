"""A real local Airflow for tests and benchmarks: api-server, dag-processor and scheduler as separate processes,
LocalExecutor, a PostgreSQL metadata database created here and dropped on exit, a temporary AIRFLOW_HOME.

Only the named DAG files are put in the DAGs folder (symlinks to the real files). They are unpaused at
creation, so the scheduler creates each one's latest scheduled run from its own timetable (catchup off),
as in production. Not a benchmark itself (no ``bench_`` prefix); ``bench_orchestration`` and
``tests/dags/test_real_scheduler.py`` use it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FINISHED = {"success", "failed"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def airflow_env(home: Path, metadata_url: str, port: int, parallelism: int, extra: dict[str, str]) -> dict[str, str]:
    """The environment of every Airflow process: nothing inherited from the caller's AIRFLOW_*/ODJEK_* values."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "ODJEK_"))}
    env.update(extra)
    env.update({
        "AIRFLOW_HOME": str(home),
        "PYTHONPATH": str(ROOT),
        "AIRFLOW__CORE__DAGS_FOLDER": str(home / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(parallelism),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "False",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{port}/execution/",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": metadata_url,
        "AIRFLOW__API__HOST": "127.0.0.1",
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API__BASE_URL": f"http://127.0.0.1:{port}",
        "AIRFLOW__API__SECRET_KEY": uuid.uuid4().hex * 2,
        "AIRFLOW__API_AUTH__JWT_SECRET": uuid.uuid4().hex * 2,
        "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
        "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "2",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
    })
    return env


@dataclass
class LocalAirflow:
    home: Path
    metadata_dsn: str  # psycopg form, for reading run states
    logs: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    def runs(self) -> dict[str, list[dict]]:
        import psycopg

        with psycopg.connect(self.metadata_dsn, autocommit=True) as conn:
            rows = conn.execute("SELECT dag_id, run_id, run_type, state, logical_date, data_interval_end, run_after,"
                                " start_date, end_date FROM dag_run").fetchall()
        keys = ("run_id", "run_type", "state", "logical_date", "data_interval_end", "run_after", "start_date",
                "end_date")
        found: dict[str, list[dict]] = {}
        for dag_id, *values in rows:
            found.setdefault(dag_id, []).append(dict(zip(keys, values)))
        return found

    def task_states(self, dag_id: str) -> dict[str, list[str]]:
        import psycopg

        with psycopg.connect(self.metadata_dsn, autocommit=True) as conn:
            rows = conn.execute("SELECT task_id, state FROM task_instance WHERE dag_id = %s", (dag_id,)).fetchall()
        states: dict[str, list[str]] = {}
        for task_id, state in rows:
            states.setdefault(task_id, []).append(state)
        return states

    def check_alive(self) -> None:
        for proc in self.processes:
            if proc.poll() is not None:
                name = proc.args[1]
                tail = (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"airflow {name} exited with {proc.returncode}:\n{tail}")

    def wait_finished(self, dag_ids, timeout_s: float) -> dict[str, list[dict]]:
        """Wait until every DAG in ``dag_ids`` has a finished run; returns all runs (raises on timeout)."""
        deadline = time.monotonic() + timeout_s
        while True:
            runs = self.runs()
            if all(any(r["state"] in FINISHED for r in runs.get(d, [])) for d in dag_ids):
                return runs
            self.check_alive()
            if time.monotonic() > deadline:
                raise TimeoutError(f"no finished run of {sorted(dag_ids)} within {timeout_s:.0f} s: {runs}; "
                                   f"logs in {self.logs}")
            time.sleep(2)


@contextlib.contextmanager
def local_airflow(workdir: Path, dag_ids, odjek_env: dict[str, str], admin_dsn: str, parallelism: int = 4):
    """Start api-server, dag-processor and scheduler for ``dag_ids``; stop them and drop the database on exit."""
    import psycopg

    name = f"odjek_airflow_{uuid.uuid4().hex[:10]}"
    metadata_dsn = admin_dsn.rsplit("/", 1)[0] + f"/{name}"
    home = workdir / "airflow"
    (home / "dags").mkdir(parents=True)
    logs = workdir / "airflow-logs"
    logs.mkdir()
    for dag_id in dag_ids:
        (home / "dags" / f"{dag_id}.py").symlink_to(ROOT / "dags" / f"{dag_id}.py")
    with psycopg.connect(admin_dsn, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    airflow = LocalAirflow(home=home, metadata_dsn=metadata_dsn, logs=logs)
    try:
        port = free_port()
        url = metadata_dsn.replace("postgresql://", "postgresql+psycopg2://", 1)
        env = airflow_env(home, url, port, parallelism, odjek_env)
        binary = str(Path(sys.executable).parent / "airflow")
        migrate = subprocess.run([binary, "db", "migrate"], env=env, capture_output=True, text=True, timeout=600)
        if migrate.returncode != 0:
            raise RuntimeError(f"airflow db migrate failed:\n{migrate.stderr[-3000:]}")
        for component in (["api-server", "--port", str(port)], ["dag-processor"], ["scheduler"]):
            out = (logs / f"{component[0]}.log").open("wb")
            airflow.processes.append(subprocess.Popen([binary, *component], env=env, stdout=out,
                                                      stderr=subprocess.STDOUT, start_new_session=True))
            if component[0] == "api-server":
                # Tasks report to the execution API: a task started before it listens fails its first try.
                wait_answering(f"http://127.0.0.1:{port}/api/v2/version", airflow, timeout_s=300)
        yield airflow
    finally:
        stop(airflow.processes)
        with psycopg.connect(admin_dsn, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def wait_answering(url: str, airflow: LocalAirflow, timeout_s: float) -> None:
    """Poll ``url`` until it answers (any HTTP status) or the process exits or the time is up."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5):
                return
        except urllib.error.HTTPError:
            return  # answering, if only to say no
        except OSError:
            pass
        airflow.check_alive()
        if time.monotonic() > deadline:
            raise TimeoutError(f"{url} did not answer within {timeout_s:.0f} s")
        time.sleep(1)


def stop(processes: list[subprocess.Popen]) -> None:
    """SIGTERM each started process group (its task subprocesses included), SIGKILL what is left after 30 s."""
    for proc in processes:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
    for proc in processes:
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)


def run_seconds(run: dict) -> float:
    """Wall time of a finished DAG run, from the metadata database."""
    start, end = run["start_date"], run["end_date"]
    if not (isinstance(start, dt.datetime) and isinstance(end, dt.datetime)):
        raise ValueError(f"run {run['run_id']} has no start or end date")
    return (end - start).total_seconds()
