"""A real single-node SLURM for the cluster test: Debian's packages, started as plain
background daemons (no systemd) and stopped by the PIDs in their pidfiles.

Facts this relies on (``../shared/reference/slurm-notes.md``): the config must be at
``/etc/slurm/slurm.conf`` (jobs lose ``SLURM_CONF``); munged refuses a socket directory
that is not mode 0755; without accounting, Snakemake's SLURM plugin must poll ``squeue``
and finished jobs must stay visible (``MinJobAge``).
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

PACKAGES = ["munge", "slurmctld", "slurmd", "slurm-client"]
CONF = Path("/etc/slurm/slurm.conf")
MARKER = "# written by intersession's cluster test"
MUNGE_SOCKET_DIR = Path("/run/munge")


@dataclass(frozen=True)
class Cluster:
    """The daemons' pidfiles and the state directory of one started cluster."""

    state: Path
    pidfiles: tuple[Path, ...]

    def stop(self) -> None:
        """SIGTERM every daemon this cluster started, by PID, and wait for it to exit; then
        remove the config it wrote (with the daemons gone, every later Snakemake start would
        wait 9 s for the SLURM plugin's ``scontrol show config`` to time out)."""
        for pidfile in reversed(self.pidfiles):
            if not pidfile.exists():
                continue
            pid = int(pidfile.read_text().split()[0])
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                continue
            for _ in range(100):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
        if CONF.exists() and MARKER in CONF.read_text():
            CONF.unlink()


def missing() -> list[str]:
    """The daemons and commands not installed."""
    return [name for name in ("munged", "slurmctld", "slurmd", "sbatch") if not _which(name)]


def _which(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin")


def install() -> None:
    """apt-get the packages (root only)."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env, capture_output=True)
    subprocess.run(
        ["apt-get", "install", "-y", "-q", "--no-install-recommends", *PACKAGES],
        check=True,
        env=env,
        capture_output=True,
    )


def slurm_conf(state: Path, host: str, cpus: int, memory_mb: int) -> str:
    """A one-node, one-partition configuration that runs everything as root."""
    return f"""{MARKER}
ClusterName=intersession
SlurmctldHost={host}(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU_Memory
MinJobAge=600
ReturnToService=2
StateSaveLocation={state}/ctld
SlurmdSpoolDir={state}/d
SlurmctldPidFile={state}/slurmctld.pid
SlurmdPidFile={state}/slurmd.pid
SlurmctldLogFile={state}/slurmctld.log
SlurmdLogFile={state}/slurmd.log
NodeName={host} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory_mb} State=UNKNOWN
PartitionName=main Nodes={host} Default=YES MaxTime=INFINITE State=UP
"""


def start(state: Path, timeout: float = 60) -> Cluster:
    """Write the config, start munged, slurmctld and slurmd, and wait for an idle node."""
    if CONF.exists() and MARKER not in CONF.read_text():
        raise RuntimeError(f"{CONF} exists and is not ours: not touching a real cluster")
    state.mkdir(parents=True, exist_ok=True)
    for sub in ("ctld", "d"):
        (state / sub).mkdir(exist_ok=True)
    memory_mb = int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**20 * 0.9)
    host = socket.gethostname().split(".")[0]
    CONF.parent.mkdir(parents=True, exist_ok=True)
    CONF.write_text(slurm_conf(state, host, os.cpu_count() or 1, memory_mb))
    MUNGE_SOCKET_DIR.mkdir(parents=True, exist_ok=True)
    MUNGE_SOCKET_DIR.chmod(0o755)
    shutil.chown(MUNGE_SOCKET_DIR, "munge", "munge")
    munge_pid = state / "munged.pid"
    subprocess.run(
        [_which("munged"), "--force", f"--pid-file={munge_pid}"],
        check=True,
        capture_output=True,
    )
    cluster = Cluster(state, (munge_pid, state / "slurmctld.pid", state / "slurmd.pid"))
    try:
        subprocess.run([_which("slurmctld"), "-i"], check=True, capture_output=True)
        subprocess.run([_which("slurmd")], check=True, capture_output=True)
        _wait_for_idle(timeout)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _wait_for_idle(timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = subprocess.run(
            ["sinfo", "-h", "-o", "%T"], capture_output=True, text=True
        ).stdout.split()
        if "idle" in states:
            return
        time.sleep(0.5)
    raise TimeoutError(f"no idle SLURM node after {timeout:.0f} s (sinfo: {states})")
