"""The fine-tune time estimate shown before Start (app/train_estimate.py): arithmetic, figures, model sizes."""

from __future__ import annotations

import json
import math

import pytest

from neuroface_studio.app import train_estimate as te


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROFACE_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("NEUROFACE_DEMO_FAN", str(tmp_path / "no-demo-fan.pth"))


def test_estimate_follows_the_engine_schedule():
    t = te.StepTimes(cached_s=2.0, naive_s=6.0, trunk_s=4.0, batch=8, source="test")
    est = te.estimate_seconds(320, 80, t, epochs=20, augment_copies=4)
    val = 10 * 2.0 / 3  # 80 validation images on cached features: a head forward per batch
    caching = (160 + 10) * 4.0 + 2 * val  # trunk once per augmented copy and validation image; before/after
    per_epoch = 160 * 2.0 + val  # 160 cached steps + validation
    assert est.steps_per_epoch == 160
    assert est.caching_s == pytest.approx(caching) and est.per_epoch_s == pytest.approx(per_epoch)
    assert est.seconds == pytest.approx(caching + 20 * per_epoch)
    naive = te.estimate_seconds(320, 80, t, epochs=20, cache_features=False)
    assert naive.per_epoch_s == pytest.approx(40 * 6.0 + 10 * (4.0 + 2.0 / 3))
    # a larger batch: proportionally longer steps, fewer of them
    big = te.estimate_seconds(320, 80, t, epochs=20, batch_size=16, augment_copies=4)
    assert big.steps_per_epoch == 80 and big.seconds == pytest.approx(est.seconds, rel=0.02)
    # the engine's defaults: 6 epochs, 2 copies
    assert te.estimate_seconds(320, 80, t).steps_per_epoch == 80
    assert te.format_duration(30) == "30 s" and te.format_duration(600) == "10 min"
    assert te.format_duration(8 * 3600 + 34 * 60) == "8 h 34 min"


def test_official_size_uses_the_labelled_stored_figure_until_measured():
    text = te.estimate_text(te.OFFICIAL, 320, 80)
    assert "4 x 256 @ 256" in text and "320 frames" in text and "at most" in text
    assert "stored benchmark figure" in text and "not measured on this PC" in text
    assert "not known yet" in te.estimate_text((3, 48, 128), 10, 4)


def test_measuring_here_replaces_the_stored_figure(tmp_path):
    pytest.importorskip("torch")
    spec = (1, 16, 64)  # tiny: a real measurement in about a second
    assert te.step_times(spec) is None
    seen = []
    times = te.measure_on_this_pc(spec, progress=lambda d, t, m: seen.append(m))
    assert times.measured_here and times.cached_s > 0 and times.naive_s > 0 and times.trunk_s > 0
    again = te.step_times(spec)
    assert again == times and "measured on this PC" in te.estimate_text(spec, 40, 10)
    data = json.loads((tmp_path / "home" / "cache" / te.CACHE_NAME).read_text())
    assert any(k.startswith("1x16@64/") for k in data) and seen


def test_model_sizes_without_and_with_reading_the_weights(tmp_path):
    pytest.importorskip("torch")
    from simhelpers import import_random_fan

    from neuroface_studio.vision import registry
    import_random_fan(None, tmp_path, num_modules=1, width=32, input_size=64)
    row = registry.get_model("fan2d")
    assert te.known_spec(row) is None  # imported: its size is in the weights
    assert te.model_spec("fan2d") == (1, 32, 64)
    assert te.known_spec(registry.get_model("fan2d")) == (1, 32, 64)  # remembered by sha256

    class Official:
        origin, architecture, sha256, metrics = "official", "FAN-4", "0" * 64, {}

    class Demo:
        origin, architecture, sha256 = "demo", "FAN-2", "1" * 64
        metrics = {"config": {"num_modules": 2, "width": 128, "input_size": 128}}

    assert te.known_spec(Official) == (4, 256, 256) and te.known_spec(Demo) == (2, 128, 128)
