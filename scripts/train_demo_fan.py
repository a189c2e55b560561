"""Train the demo FAN shipped in resources/models/ (see neuroface_studio/training/demo_fan.py).

    python scripts/train_demo_fan.py                  # defaults: ~8 min on one GPU
    python scripts/train_demo_fan.py --steps 2 --identities 2 --out /tmp/x.pth   # smoke test

Writes the weights as float16 (half the size; loaded back into float32) and a JSON report next
to them (configuration, steps, wall time, validation NRMSE per group).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main(argv=None) -> int:
    from neuroface_studio.app.paths import protocol_file
    from neuroface_studio.store.protocol_file import load_protocol
    from neuroface_studio.training.demo_fan import DemoFanConfig, train_demo_fan

    d = DemoFanConfig()
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", type=Path, default=ROOT / "resources" / "models" / "fan-demo.pth")
    for name in ("identities", "val_identities", "frames_per_task", "steps", "batch_size", "workers", "seed"):
        p.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(d, name))
    p.add_argument("--minutes", type=float, default=d.minutes)
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument("--device", default=d.device)
    a = p.parse_args(argv)
    config = DemoFanConfig(identities=a.identities, val_identities=a.val_identities, frames_per_task=a.frames_per_task,
                           steps=a.steps, minutes=a.minutes, batch_size=a.batch_size, lr=a.lr, seed=a.seed,
                           workers=a.workers, device=a.device)
    import torch
    state, report = train_demo_fan(load_protocol(protocol_file()).tasks, config)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    torch.save({k: (v.half() if v.is_floating_point() else v) for k, v in state.items()}, a.out)
    report["file"] = a.out.name
    a.out.with_suffix(".json").write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {a.out} ({a.out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
