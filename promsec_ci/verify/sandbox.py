"""Run the behaviour-check harness in a separate, confined Python process.

Confinement, in layers: a new network namespace (``unshare -rn``) when the kernel allows it,
an audit hook in the child that refuses sockets and real process creation, resource limits
(CPU seconds, address space, file size, open files), a private temporary directory as the
working tree, a wall-clock timeout that kills the whole process group, and ``python -I``
(no user site, no environment variables, no current directory on ``sys.path``). It is defence
in depth for code the user chose to exercise, not a boundary against a determined attacker:
PR code only runs here when ``--verify-behavior`` is on.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

HARNESS = Path(__file__).with_name("harness.py")


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed run.

    Args:
        wall_seconds: the whole run is killed after this long.
        cpu_seconds: RLIMIT_CPU.
        memory_bytes: RLIMIT_AS.
        file_bytes: RLIMIT_FSIZE (largest file the child may write).
        call_seconds: per-call alarm inside the child.
    """

    wall_seconds: float = 30.0
    cpu_seconds: int = 30
    memory_bytes: int = 1 << 31
    file_bytes: int = 16 << 20
    call_seconds: float = 2.0


@dataclass(frozen=True)
class SandboxRun:
    """What came back: the harness's result document, or why there is none."""

    result: dict | None
    error: str = ""
    isolated_network: bool = False


@lru_cache(maxsize=1)
def network_namespace_available() -> bool:
    """True when ``unshare -rn`` works here (user namespaces enabled, util-linux present)."""
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    try:
        return subprocess.run([unshare, "-rn", "true"], capture_output=True, timeout=5).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


def run_job(job: dict, limits: Limits = Limits()) -> SandboxRun:
    """Write ``job`` for the harness, run it confined, and read its result.

    Args:
        job: the harness's job document without ``root``/``result`` (filled in here).
        limits: resource limits and timeouts.
    """
    with tempfile.TemporaryDirectory(prefix="promsec-behavior-") as root:
        job = {**job, "root": root, "result": os.path.join(root, "result.json"),
               "call_seconds": limits.call_seconds}
        job_path = os.path.join(root, "job.json")
        Path(job_path).write_text(json.dumps(job), encoding="utf-8")
        isolated = network_namespace_available()
        command = [sys.executable, "-I", "-B", str(HARNESS), job_path]
        if isolated:
            command = [shutil.which("unshare") or "unshare", "-rn", *command]
        env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C.UTF-8", "HOME": root, "TMPDIR": root}
        try:
            proc = subprocess.Popen(command, cwd=root, env=env, stdin=subprocess.DEVNULL,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                    start_new_session=True, preexec_fn=_limit(limits))
        except OSError as exc:
            return SandboxRun(None, f"cannot start the sandbox: {exc}", isolated)
        try:
            _, err = proc.communicate(timeout=limits.wall_seconds)
        except subprocess.TimeoutExpired:
            _kill(proc)
            return SandboxRun(None, f"timed out after {limits.wall_seconds:g} s", isolated)
        result_path = Path(job["result"])
        if proc.returncode != 0 or not result_path.is_file():
            last = (err or b"").decode("utf-8", "replace").strip().splitlines()[-1:] or [f"exit {proc.returncode}"]
            return SandboxRun(None, f"sandbox failed: {last[0][:200]}", isolated)
        try:
            return SandboxRun(json.loads(result_path.read_text(encoding="utf-8")), "", isolated)
        except (OSError, ValueError) as exc:
            return SandboxRun(None, f"unreadable sandbox result: {exc}", isolated)


def _limit(limits: Limits):
    def apply() -> None:
        import resource

        for which, value in ((resource.RLIMIT_CPU, limits.cpu_seconds), (resource.RLIMIT_AS, limits.memory_bytes),
                             (resource.RLIMIT_FSIZE, limits.file_bytes), (resource.RLIMIT_NOFILE, 256),
                             (resource.RLIMIT_CORE, 0)):
            soft, hard = resource.getrlimit(which)
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (value, hard))
    return apply


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        proc.kill()
    proc.wait()
