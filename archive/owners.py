"""Who holds a claim, and whether that holder still lives.

Claims (frontier leases, sends, pipeline runs) carry their owner as ``host:pid``. On the same host a dead
owner is recognised at once, so a killed worker's claims are released by the next run instead of waiting
for the lease to expire; an owner on another host is unknown here and only its lease's age decides.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

PROC = Path("/proc")


def owner_id() -> str:
    """This process as a claim owner: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def split_owner(owner: str | None) -> tuple[str, int] | None:
    """(host, pid) of an owner string, None when it is not of the ``host:pid`` form."""
    if not owner or ":" not in owner:
        return None
    host, _, pid = owner.rpartition(":")
    return (host, int(pid)) if pid.isdigit() else None


def pid_alive(pid: int) -> bool:
    """True when the process exists and is not a zombie.

    A killed child that its parent has not reaped yet is a zombie: ``kill(pid, 0)`` still succeeds for it,
    although it will never run again, so its state letter in /proc decides.
    """
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except FileNotFoundError:
        return not PROC.is_dir()  # vanished in between (dead), or no /proc on this system (trust kill)
    except OSError:
        return True
    # The command name in parentheses may hold spaces or ')'; the state letter follows the last ')'.
    state = stat.rpartition(")")[2].split()[:1]
    return not state or state[0] not in {"Z", "X", "x"}


def owner_alive(owner: str | None) -> bool | None:
    """True/False for an owner on this host; None when unknown (another host or no owner recorded)."""
    parsed = split_owner(owner)
    if parsed is None or parsed[0] != socket.gethostname():
        return None
    return pid_alive(parsed[1])
