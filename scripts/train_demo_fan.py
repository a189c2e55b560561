"""Train the demo FAN shipped in resources/models/ (see neuroface_studio/training/demo_fan.py).

    python scripts/train_demo_fan.py --threads 1   # the shipped model: 2 x 128 @ 128, 800 steps x 8, CPU
                                                   # (33 min on the shared 2-core CPU under heavy load)

On a CPU shared with other jobs, ``--threads 1`` is faster than two threads: two OpenMP threads
that rarely run at the same time spend their share waiting for each other (measured here under load: over 2.4 s
of CPU a step with two threads, batch 8, vs 1.1 s with one thread at batch 16). On a quiet machine use the default.
    python scripts/train_demo_fan.py --steps 2 --identities 2 --out /tmp/x.pth   # smoke test

Reproducible: the same --seed gives the same data, augmentation and initial weights (bit-identical
weights only on the same machine and thread count). Writes the weights as float16 (half the size;
loaded back into float32) and a JSON report next to them (configuration, steps, wall time,
machine, validation NRMSE per group, dlib68 on the same crops).
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
    ints = ("identities", "val_identities", "frames_per_task", "num_modules", "width", "input_size", "steps",
            "warmup_steps", "batch_size", "workers", "seed", "eval_every")
    for name in ints:
        p.add_argument(f"--{name.replace('_', '-')}", type=int, default=getattr(d, name))
    p.add_argument("--lr", type=float, default=d.lr)
    p.add_argument("--sigma", type=float, default=d.sigma)
    p.add_argument("--device", default=d.device)
    p.add_argument("--precision", choices=("auto", "bf16", "fp32"), default=d.precision)
    p.add_argument("--no-dlib-reference", action="store_true", help="do not score dlib68 on the validation crops")
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    p.add_argument("--snapshot-dir", type=Path, default=None,
                   help="also write the weights at every intermediate validation here (<stem>.step<N>.pth + .json)")
    a = p.parse_args(argv)
    config = DemoFanConfig(**{n: getattr(a, n) for n in ints}, lr=a.lr, sigma=a.sigma, device=a.device,
                           precision=a.precision, dlib_reference=not a.no_dlib_reference)
    import torch
    if a.threads:
        torch.set_num_threads(a.threads)

    def save(state: dict, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.tmp")
        torch.save({k: (v.half() if v.is_floating_point() else v) for k, v in state.items()}, tmp)
        tmp.replace(dest)

    def snapshot(step: int, state: dict, val_nrmse: dict) -> None:
        dest = a.snapshot_dir / f"{a.out.stem}.step{step}.pth"
        save(state, dest)
        dest.with_suffix(".json").write_text(json.dumps({
            "model": "fan-demo", "snapshot_of": "a longer run", "steps": step, "config": config.to_dict(),
            "num_modules": config.num_modules, "width": config.width, "input_size": config.input_size,
            "val_nrmse": val_nrmse, "note": "demo model, not for clinical use"}, indent=1, allow_nan=False) + "\n")

    state, report = train_demo_fan(load_protocol(protocol_file()).tasks, config,
                                   on_snapshot=snapshot if a.snapshot_dir else None)
    save(state, a.out)
    report["file"] = a.out.name
    report["command"] = "python scripts/train_demo_fan.py " + " ".join(argv if argv is not None else sys.argv[1:])
    a.out.with_suffix(".json").write_text(json.dumps(report, indent=1, allow_nan=False) + "\n")
    print(f"wrote {a.out} ({a.out.stat().st_size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
