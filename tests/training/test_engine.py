"""The fine-tuning loop on a few simulated frames: events, learning, checkpoint/resume, cancel, NaN."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("face_alignment")

from neuroface_studio.domain.participants import Group  # noqa: E402
from neuroface_studio.domain.protocol import Task  # noqa: E402
from neuroface_studio.simulation import clinic  # noqa: E402
from neuroface_studio.training import engine  # noqa: E402
from neuroface_studio.training.augment import make_sample  # noqa: E402
from neuroface_studio.training.engine import FinetuneConfig, TrainingCancelled, TrainingError, finetune  # noqa: E402
from neuroface_studio.vision.fan import build_fan  # noqa: E402

OPEN = Task(code="OPEN", name="Open", instruction="", repetitions=5, segmented=True, category="nonspeech")


@pytest.fixture(scope="module")
def samples():
    out = []
    for pid, group in (("P1", Group.HC), ("P2", Group.ALS)):
        ident = clinic.make_identity(pid, group, seed=3)
        plan = clinic.plan_recording(ident, OPEN, fps=10, seed=3, duration_scale=0.2, turn_away=False)
        for f in (2, 9, 16):
            img, _ = clinic.render_frame(ident, plan, f)
            out.append(make_sample(img, plan.landmarks_px[f], participant=pid, group=group.value, key=f"{pid}-{f}"))
    return out


@pytest.fixture(scope="module")
def base():
    torch.manual_seed(0)
    return build_fan(1, 32, 64).state_dict()  # small (1 x 32 @ 64): fast; crops are resized to it


FAST = FinetuneConfig(epochs=3, batch_size=3, lr=1e-3, augment_copies=2, patience=10)


def test_loss_falls_events_flow_and_weights_change(samples, base):
    events = []
    # select_best=False: keep the trained weights even if random-weight validation does not improve
    res = finetune(samples[:3], samples[3:], base, replace(FAST, select_best=False), on_event=events.append)
    kinds = [e.kind for e in events]
    assert "caching" in kinds and kinds.count("epoch") == 3 and kinds.count("step") == 3 * 2
    assert kinds.count("before") == 1 and kinds.index("before") < kinds.index("step")  # the base model per group
    assert events[kinds.index("before")].val_nrmse == res.nrmse_before
    assert res.history[-1]["loss"] < res.history[0]["loss"]
    assert set(res.nrmse_before) == {"all", "ALS"} and res.epochs_run == 3
    changed = [k for k in base if not torch.equal(base[k], res.state_dict[k])]
    assert changed and all(k.split(".")[0] in ("m0", "top_m_0", "conv_last0", "bn_end0", "l0") for k in changed)


def test_cancel_keeps_checkpoint_and_next_run_resumes(samples, base, tmp_path):
    ck = tmp_path / "ft.ckpt"

    class StopInEpoch2:
        def __init__(self):
            self.epochs = 0

        @property
        def cancelled(self):
            return self.epochs >= 1

    token = StopInEpoch2()

    def on_event(e):
        if e.kind == "epoch":
            token.epochs += 1

    with pytest.raises(TrainingCancelled, match="checkpoint of epoch 1"):
        finetune(samples[:3], samples[3:], base, FAST, on_event=on_event, cancel=token, checkpoint=ck)
    assert ck.is_file()
    epochs = []
    replayed = []
    res = finetune(samples[:3], samples[3:], base, FAST, checkpoint=ck, on_event=lambda e: (
        e.kind == "epoch" and epochs.append(e.epoch)) or (e.kind == "history" and replayed.append(e.epoch)))
    assert epochs == [2, 3] and [h["epoch"] for h in res.history] == [1, 2, 3]
    assert replayed == [1]  # the epoch before the stop, for the curves
    # a different configuration does not resume from a foreign checkpoint
    epochs.clear()
    finetune(samples[:3], samples[3:], base, FinetuneConfig(epochs=1, batch_size=3, augment_copies=1),
             on_event=lambda e: e.kind == "epoch" and epochs.append(e.epoch), checkpoint=ck)
    assert epochs == [1]


def test_nan_loss_stops_with_a_message(samples, base, monkeypatch):
    monkeypatch.setattr(engine, "adaptive_wing_loss", lambda p, t: (p * float("nan")).mean())
    with pytest.raises(TrainingError, match="loss became nan in epoch 1, step 1.*untouched"):
        finetune(samples[:3], samples[3:], base, FAST)


def test_bad_settings_and_data(samples, base):
    with pytest.raises(TrainingError, match="no training frames"):
        finetune([], samples, base)
    with pytest.raises(TrainingError, match="no validation frames"):
        finetune(samples, [], base)
    with pytest.raises(TrainingError, match="unknown regularizer"):
        finetune(samples[:3], samples[3:], base, FinetuneConfig(regularizer="magic"))
    from neuroface_studio.vision.errors import NotAModelError
    with pytest.raises(NotAModelError):
        finetune(samples[:3], samples[3:], {"conv1.weight": torch.zeros(1)})
    with pytest.raises(ValueError, match="68 finite points"):
        make_sample(np.zeros((480, 640, 3), np.uint8), np.full((68, 2), np.nan))


def test_regularized_run_and_uncached_path(samples, base):
    cfg = FinetuneConfig(epochs=1, batch_size=3, lr=1e-3, regularizer="sam", cache_features=False)
    res = finetune(samples[:3], samples[3:], base, cfg)
    assert res.epochs_run == 1 and np.isfinite(res.history[0]["loss"])


def test_cached_trunk_features_give_the_full_forward(samples):
    """Validation runs the trained hourglass on cached trunk outputs (float16): same heatmaps as the
    whole network to fp16 precision, and the same NRMSE."""
    from neuroface_studio.training.augment import resize_sample
    from neuroface_studio.training.fan_parts import SplitFan
    torch.manual_seed(0)
    net = SplitFan(build_fan(2, 32, 64), 1)
    small = [resize_sample(s, 64) for s in samples]
    feats = engine.trunk_features(net, small, "cpu", batch_size=4)
    assert len(feats) == len(small) and feats[0].dtype == torch.float16
    with torch.inference_mode():
        full = net(engine.network_inputs(small, "cpu"))
        cached = net.head(torch.stack(feats).float())[0]
    assert torch.allclose(full, cached, atol=2e-2 * float(full.abs().max()))
    a, b = engine.evaluate(net, small, "cpu"), engine.evaluate(net, small, "cpu", features=feats)
    assert a.keys() == b.keys() and abs(a["all"] - b["all"]) < 0.02 * a["all"]
