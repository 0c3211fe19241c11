"""The machine, scratch databases, server processes and their CPU and memory, read from /proc."""
from __future__ import annotations

import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

from server.core import pg_scratch

ROOT = Path(__file__).resolve().parent.parent
BENCH_DIR = ROOT / "bench"
PG_ADMIN_URL = os.environ.get("MINYI_BENCH_PG_URL") or os.environ.get(
    "MINYI_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("MINYI_BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class BenchError(RuntimeError):
    """The harness cannot run (a tool is missing, a server does not start)."""


def machine() -> dict:
    """What the figures were measured on."""
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    mem_kb = int(_proc_field(Path("/proc/meminfo").read_text(), "MemTotal"))
    return {"nproc": os.cpu_count(), "cpu_model": cpu, "memory_gib": round(mem_kb / 1024 / 1024, 1),
            "load_average": [round(x, 2) for x in os.getloadavg()], "python": platform.python_version(),
            "kernel": platform.release()}


def _proc_field(text_: str, name: str) -> str:
    for line in text_.splitlines():
        if line.startswith(name + ":"):
            return line.split(":", 1)[1].split()[0]
    raise KeyError(name)


# ---------------------------------------------------------------- PostgreSQL scratch databases

def pg_reachable() -> str | None:
    return pg_scratch.unreachable_reason(PG_ADMIN_URL)


def pg_database(label: str):
    """A fresh PostgreSQL database for one benchmark, dropped afterwards; yields its URL."""
    return pg_scratch.scratch_database(PG_ADMIN_URL, f"minyi_bench_{label}")


# ---------------------------------------------------------------- tools

def ensure_wrk() -> str:
    """wrk from Debian's package, installed on first use (the harness runs as root on our machines)."""
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() == 0 and shutil.which("apt-get"):
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        apt = ["apt-get", "-o", "DPkg::Lock::Timeout=600"]  # wait for another install (e.g. chromium) to end
        subprocess.run([*apt, "update", "-qq"], check=False, env=env, capture_output=True)
        subprocess.run([*apt, "install", "-y", "-qq", "wrk"], check=False, env=env, capture_output=True)
        found = shutil.which("wrk")
    if not found:
        raise BenchError("wrk is not installed and could not be installed: run `apt-get install wrk`")
    return found


PEER_VENV = BENCH_DIR / ".peer-venv"
PEER_REQUIREMENTS = ["werobot==1.13.1"]


def ensure_peer_venv() -> Path:
    """WeRoBot lives in its own venv (never in Minyi's dependencies), with Minyi's gunicorn version."""
    python = PEER_VENV / "bin" / "python"
    gunicorn = PEER_VENV / "bin" / "gunicorn"
    from importlib.metadata import version

    wanted = [*PEER_REQUIREMENTS, f"gunicorn=={version('gunicorn')}"]
    marker = PEER_VENV / "requirements.txt"
    if python.exists() and gunicorn.exists() and marker.exists() and marker.read_text() == "\n".join(wanted):
        return PEER_VENV
    subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
    result = subprocess.run([str(python), "-m", "pip", "install", "-q", *wanted], capture_output=True, text=True)
    if result.returncode != 0:
        raise BenchError(f"could not install the peer (WeRoBot) venv: {result.stderr.strip()[-500:]}")
    marker.write_text("\n".join(wanted))
    return PEER_VENV


# ---------------------------------------------------------------- processes

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # the command name may hold spaces and parentheses: split after the last ')'
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[1]) == pid:
            found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of one process so far (0 when it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def peak_rss_mib(pid: int) -> float | None:
    """The process's high-water resident set (VmHWM)."""
    try:
        return round(int(_proc_field(Path(f"/proc/{pid}/status").read_text(), "VmHWM")) / 1024, 1)
    except (OSError, KeyError):
        return None


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs, for the share of the machine used during a run."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


@dataclass
class Server:
    """A gunicorn master with its workers, on a port of its own."""

    name: str
    port: int
    process: subprocess.Popen
    log_path: Path
    workers: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def worker_cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.workers)

    def worker_peak_rss(self) -> float | None:
        values = [v for v in (peak_rss_mib(pid) for pid in self.workers) if v is not None]
        return max(values) if values else None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


GUNICORN_WORKERS = 2


def start_gunicorn(name: str, *, gunicorn: str, app: str, env: dict[str, str], cwd: Path, log_dir: Path,
                   ready_path: str = "/", ready_status: tuple[int, ...] = (200, 400, 403, 405),
                   workers: int = GUNICORN_WORKERS, threads: int = 1) -> Server:
    """Every webhook subject runs under the same settings: gunicorn, 2 sync workers, no access log.
    (The sandbox, which keeps its state in memory, runs as one process with threads.)"""
    port = free_port()
    log_path = log_dir / f"{name}.log"
    worker = ["--worker-class", "sync"] if threads == 1 else ["--worker-class", "gthread", "--threads", str(threads)]
    command = [gunicorn, "--workers", str(workers), *worker,
               "--bind", f"127.0.0.1:{port}", "--backlog", "2048", "--timeout", "60",
               "--log-level", "warning", "--error-logfile", str(log_path), app]
    process = subprocess.Popen(command, cwd=str(cwd), env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.STDOUT, start_new_session=True)
    server = Server(name=name, port=port, process=process, log_path=log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise BenchError(f"{name} exited at start-up:\n{_tail(log_path)}")
        try:
            with urllib.request.urlopen(server.url + ready_path, timeout=2) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except OSError:
            time.sleep(0.2)
            continue
        if status in ready_status:
            server.workers = _wait_workers(process.pid, workers)
            return server
        time.sleep(0.2)
    server.stop()
    raise BenchError(f"{name} did not answer within 60 s:\n{_tail(log_path)}")


def _wait_workers(master: int, count: int) -> list[int]:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        workers = children_of(master)
        if len(workers) >= count:
            return workers
        time.sleep(0.1)
    return children_of(master)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
