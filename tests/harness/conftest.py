"""Helpers for the harness tests: configs built without pytest options, the mini app."""

from __future__ import annotations

import os
import shlex
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from harness import events
from harness.config import HarnessConfig

HERE = Path(__file__).parent
PY = shlex.quote(sys.executable)
MINIAPP = f"{PY} {shlex.quote(str(HERE / 'miniapp.py'))}"
MINIAPP_SERVE = f"{MINIAPP} serve --port {{port}} --database-url {{database_url}}"
MINIAPP_PREPARE = f"{MINIAPP} migrate --database-url {{database_url}}"


def clean_environ() -> dict[str, str]:
    """The process environment without harness settings (RAILS_*, GO_*, PARITY_*)."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("RAILS_", "GO_", "PARITY_"))}


@pytest.fixture(autouse=True)
def _forget_backend_failures() -> Iterator[None]:
    """Failures the tests provoke on purpose stay out of this session's summary."""
    yield
    events.clear()


@pytest.fixture
def make_config(tmp_path: Path) -> Callable[..., HarnessConfig]:
    """make_config(rails_cmd=..., db_mode="shared"): a HarnessConfig from CLI-style values."""

    def build(**cli: str) -> HarnessConfig:
        cli.setdefault("run_dir", str(tmp_path / "run"))
        cli.setdefault("ready_timeout", "20")
        cli.setdefault("request_timeout", "5")
        return HarnessConfig.from_sources(cli, {}, clean_environ(), rootdir=tmp_path)

    return build


def port_is_free(port: int) -> bool:
    """Nothing listens on `port` (a server could bind it; TIME_WAIT leftovers do not count)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def process_running(pid: int) -> bool:
    """True when `pid` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[0] != "Z"


def processes_mentioning(text: str) -> list[int]:
    """Pids of running processes whose command line contains `text`."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text.encode() in cmdline.read_bytes() and process_running(int(cmdline.parent.name)):
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return [pid for pid in found if pid != os.getpid()]
