"""Screenshot the Train setup's time estimate with the official FAN architecture installed (real window).

    xvfb-run -a -s "-screen 0 1400x900x24" env QT_QPA_PLATFORM=xcb nice -n 10 .venv/bin/python \
        tools/train_estimate_screenshot.py [OUT.png] [--participants N] [--measure]

A private model store (temporary NEUROFACE_HOME) gets ``fan2d`` through the real fetch path with
a downloader that writes face-alignment's FAN(4) with random weights (no network; the official
file's size and layout, origin "official"), a small simulated project is built, and the Train
workspace shows the plan and the estimate for its training frames. ``--measure`` also clicks
*Measure on this PC* and waits for this PC's own figure (minutes on a busy 2-core machine).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path


def main(argv: list[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("out", nargs="?", type=Path, default=Path("/tmp/shots/train_estimate.png"))
    ap.add_argument("--participants", type=int, default=6)
    ap.add_argument("--measure", action="store_true")
    args = ap.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("NEUROFACE_HOME", tempfile.mkdtemp(prefix="nf-home-"))
    os.environ.setdefault("NEUROFACE_DEMO_FAN", str(Path(tempfile.mkdtemp()) / "none.pth"))
    import torch
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from neuroface_studio.app.project_service import ProjectSession
    from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
    from neuroface_studio.gui.train.workspace import TrainWorkspacePanel
    from neuroface_studio.vision import registry
    from neuroface_studio.vision.fan import build_fan

    def downloader(url, dest, progress):
        torch.manual_seed(0)
        torch.save(build_fan(4).state_dict(), dest)

    row = registry.fetch_model(downloader=downloader, sha256_prefix=None)
    print(f"fan2d: {row.architecture}, origin {row.origin}", flush=True)
    folder = Path(tempfile.mkdtemp(prefix="nf-est-")) / "proj"
    simulate_into_project(ProjectSession.create(folder), SimulationRequest(
        participants=args.participants, groups=("HC", "ALS"), tasks=("OPEN",), fps=25, duration_scale=0.5,
        annotators=0))
    app = QApplication([])

    def wait(ms: int) -> None:
        loop = QEventLoop()
        QTimer.singleShot(ms, loop.quit)
        loop.exec()

    panel = TrainWorkspacePanel()
    panel.resize(1300, 820)
    panel.set_session(ProjectSession.open(folder))
    panel.show()
    wait(1500)
    view = panel.setup.estimate_view
    if args.measure:
        view.measure_button.click()
        t0 = time.monotonic()
        while view.busy and time.monotonic() - t0 < 1200:
            wait(500)
    wait(500)
    panel.grab().save(str(args.out))
    print(f"wrote {args.out}\n{view.label.text()}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
