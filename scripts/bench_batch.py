"""Wall time of `neuroface-studio batch PROJECT --steps landmarks,features` with 1 and 2 local
worker processes and on a local Dask cluster (2 worker processes), on one simulated study.

    python scripts/bench_batch.py                      # 4 participants x OPEN,SPREAD, 30 fps, 3 rounds
    python scripts/bench_batch.py --project /tmp/b --rounds 1

Each run starts from no tracks and no features (deleted before it); the modes are interleaved
round by round so that a change in the machine's load hits them alike. Prints one line per run
(wall, the CPU seconds of every process it started, the load average before it) and the medians.
The Dask time includes starting the cluster (printed apart).
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "neuroface_studio"]
DASK = """
import sys, time
from distributed import LocalCluster
from neuroface_studio.cli import main
if __name__ == "__main__":
    t = time.perf_counter()
    with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster:
        print(f"cluster started in {time.perf_counter() - t:.1f} s", file=sys.stderr)
        sys.exit(main(["batch", sys.argv[1], "--steps", "landmarks,features", "--scheduler",
                       cluster.scheduler_address]))
"""


def _run(cmd: list[str]) -> tuple[float, float, str]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    res = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    wall = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if res.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    extra = " ".join(line for line in res.stderr.splitlines() if line.startswith("cluster started"))
    return wall, cpu, extra


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--project", type=Path, default=Path("/tmp/neuroface-bench-batch"))
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--modes", default="w1,w2,dask")
    args = p.parse_args()
    project = args.project
    if not (project / "project.nfs.json").is_file():
        subprocess.run(CLI + ["simulate", str(project), "--create", "--participants", "4", "--tasks", "OPEN,SPREAD",
                              "--fps", "30", "--duration-scale", "0.5", "--annotators", "0", "--json"],
                       cwd=ROOT, check=True, capture_output=True)
    dask_script = project.parent / f".{project.name}-dask.py"
    dask_script.write_text(DASK)
    walls: dict[str, list[float]] = {}
    for k in range(args.rounds):
        for mode in args.modes.split(","):
            for sub in ("tracks", "features"):
                shutil.rmtree(project / sub, ignore_errors=True)
            load = os.getloadavg()[0]
            cmd = ([sys.executable, str(dask_script), str(project)] if mode == "dask"
                   else CLI + ["batch", str(project), "--steps", "landmarks,features", "--workers", mode[1:]])
            wall, cpu, extra = _run(cmd)
            walls.setdefault(mode, []).append(wall)
            print(f"round {k + 1} {mode:<5} wall {wall:6.1f} s  cpu {cpu:6.1f} s  load before {load:.1f}  {extra}",
                  flush=True)
    med = {m: statistics.median(v) for m, v in walls.items()}
    base = med.get("w1")
    print("medians: " + ", ".join(f"{m} {v:.1f} s" + (f" ({base / v:.2f}x)" if base else "") for m, v in med.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
