"""Model registry: the built-in dlib68, importing FAN weights, refusing files that are not models."""

from __future__ import annotations

import urllib.error

import numpy as np
import pytest

from neuroface_studio.store.model_index import ModelIndex
from neuroface_studio.vision import registry
from neuroface_studio.vision.errors import ModelUnavailableError

pytest.importorskip("dlib")


def test_dlib68_is_listed_available_and_opens(tmp_path):
    rows = registry.list_models(tmp_path / "models")
    dlib = rows[0]
    assert dlib.name == "dlib68" and dlib.available and dlib.active and dlib.builtin and len(dlib.sha256) == 64
    fan = next(r for r in rows if r.name == "fan2d")
    assert not fan.available and "2DFAN4-11f355bf06.pth.tar" in fan.problem and "models fetch" in fan.problem
    predictor = registry.open_predictor("dlib68", tmp_path / "models")
    assert predictor.info.name == "dlib68" and predictor.info.sha256 == dlib.sha256
    assert predictor.predict(np.full((240, 320, 3), 90, np.uint8)) is None
    assert registry.open_predictor(None, tmp_path / "models").info.name == "dlib68"  # the active model
    with pytest.raises(registry.ModelRegistryError, match="built in and cannot be removed"):
        registry.remove_model("dlib68", tmp_path / "models")
    with pytest.raises(registry.ModelRegistryError, match="unknown model 'nope'"):
        registry.open_predictor("nope", tmp_path / "models")


def test_import_of_a_file_that_is_not_a_model_registers_nothing(tmp_path):
    pytest.importorskip("torch")
    if not registry.fan_supported():
        pytest.skip("the FAN module is not in this build")
    from neuroface_studio.vision.errors import NotAModelError
    bad = tmp_path / "holiday.jpg"
    bad.write_bytes(b"\xff\xd8 not a model")
    store = tmp_path / "models"
    with pytest.raises(NotAModelError, match="holiday.jpg is not a FAN"):
        registry.import_model(bad, store_dir=store)
    assert [r.name for r in registry.list_models(store) if r.sha256 and not r.builtin] == []  # (dlib68, fan-demo built in)
    assert not (store / "files").exists() or not any((store / "files").iterdir())


def test_import_fan_weights_open_activate_remove(tmp_path):
    torch = pytest.importorskip("torch")
    if not registry.fan_supported():
        pytest.skip("the FAN module is not in this build")
    from neuroface_studio.vision.fan import build_fan
    torch.manual_seed(0)
    src = tmp_path / "my-fan.pth"
    torch.save(build_fan(1).state_dict(), src)
    store = tmp_path / "models"
    row = registry.import_model(src, "fan2d", store)
    assert row.available and row.architecture == "FAN-1" and row.origin == "imported from my-fan.pth"
    assert row.file.endswith(f"{row.sha256}.pth") and (store / "files" / f"{row.sha256}.pth").is_file()
    predictor = registry.open_predictor("fan2d", store, device="cpu")
    assert predictor.info.sha256 == row.sha256 and predictor.info.origin == "imported from my-fan.pth"
    registry.set_active("fan2d", store)
    assert registry.active_model(store) == "fan2d"
    assert [r.name for r in registry.list_models(store) if r.active] == ["fan2d"]
    registry.set_active("dlib68", store)
    assert registry.active_model(store) == "dlib68"
    registry.remove_model("fan2d", store)
    assert not any((store / "files").iterdir())
    assert not next(r for r in registry.list_models(store) if r.name == "fan2d").available


def test_fetch_offline_says_how_to_import(tmp_path):
    pytest.importorskip("torch")
    if not registry.fan_supported():
        pytest.skip("the FAN module is not in this build")

    def offline(url, dest, progress):
        raise urllib.error.URLError("Name or service not known")

    with pytest.raises(ModelUnavailableError, match="models import"):
        registry.fetch_model("fan2d", downloader=offline, store_dir=tmp_path / "models")
    assert ModelIndex(tmp_path / "models").list() == []
    with pytest.raises(registry.ModelRegistryError, match="only fan2d can be fetched"):
        registry.fetch_model("dlib68", store_dir=tmp_path / "models")


def test_fetch_registers_official_weights_once(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    if not registry.fan_supported():
        pytest.skip("the FAN module is not in this build")
    from neuroface_studio.vision import fan_fetch
    from neuroface_studio.vision.fan import build_fan
    torch.manual_seed(1)
    made = tmp_path / "official.pth.tar"
    torch.save(build_fan(1).state_dict(), made)
    # pretend the published hash is the hash of our locally built file (a download cannot be tested)
    monkeypatch.setattr(fan_fetch, "FAN4_SHA256_PREFIX", fan_fetch.sha256_of(made)[:10])
    calls = []

    def downloader(url, dest, progress):
        calls.append(url)
        dest.write_bytes(made.read_bytes())

    store = tmp_path / "models"
    row = registry.fetch_model("fan2d", downloader=downloader, store_dir=store)
    assert calls == [fan_fetch.FAN4_URL]
    assert row.available and row.origin == "official" and row.version == "2DFAN4-11f355bf06"
    assert [e.name for e in ModelIndex(store).list()] == ["fan2d"]
    assert not any((store / "downloads").iterdir())  # the store keeps only its sha256-named copy
    assert registry.open_predictor("fan2d", store, device="cpu").info.origin == "official"


def test_damaged_index_is_reported_and_kept(tmp_path):
    store = tmp_path / "models"
    store.mkdir()
    (store / "index.json").write_text("{ half written")
    from neuroface_studio.store.model_index import ModelIndexError
    with pytest.raises(ModelIndexError, match="damaged.*move index.json aside"):
        registry.list_models(store)
    assert (store / "index.json").read_text() == "{ half written"


def test_fan_from_the_registry_runs_on_onnx_runtime_on_cpu_and_remove_cleans_its_cache(tmp_path):
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnxruntime")
    if not registry.fan_supported():
        pytest.skip("the FAN module is not in this build")
    from neuroface_studio.vision.fan import build_fan
    torch.manual_seed(0)
    src = tmp_path / "fan1.pth"
    torch.save(build_fan(1).state_dict(), src)
    store = tmp_path / "models"
    registry.import_model(src, "fan-small", store)
    predictor = registry.open_predictor("fan-small", store, device="cpu")
    assert predictor.backend == "onnx"  # no CUDA here: ONNX Runtime is the fast CPU path
    assert len(list((store / "files").glob("*.onnx"))) == 1
    frame = np.full((240, 320, 3), 120, np.uint8)
    pred = predictor.predict(frame, (100.0, 60.0, 220.0, 200.0))
    assert pred.points_px.shape == (68, 2) and np.isfinite(pred.points_px).all()
    assert registry.open_predictor("fan-small", store, device="cpu", backend="torch").backend == "torch"
    registry.remove_model("fan-small", store)
    assert list((store / "files").iterdir()) == []


def test_shipped_demo_fan_is_built_in_activatable_and_not_removable(tmp_path, monkeypatch):
    torch = pytest.importorskip("torch")
    if not registry.fan_supported():
        pytest.skip("the FAN module is not in this build")
    import json
    from neuroface_studio.vision.fan import build_fan
    store = tmp_path / "models"
    monkeypatch.setenv("NEUROFACE_DEMO_FAN", str(tmp_path / "missing.pth"))
    assert registry.DEMO_FAN not in [r.name for r in registry.list_models(store)]
    demo = tmp_path / "fan-demo.pth"
    torch.manual_seed(0)
    torch.save({k: v.half() if v.is_floating_point() else v for k, v in build_fan(1).state_dict().items()}, demo)
    demo.with_suffix(".json").write_text(json.dumps({"config": {"num_modules": 1}, "val_nrmse": {"all": 0.05}}))
    monkeypatch.setenv("NEUROFACE_DEMO_FAN", str(demo))
    row = registry.get_model("fan-demo", store)
    assert row.available and row.builtin and "not for clinical use" in row.origin and row.architecture == "FAN-1"
    assert row.metrics["val_nrmse"]["all"] == 0.05 and not row.active
    registry.set_active("fan-demo", store)
    assert registry.active_model(store) == "fan-demo"
    assert [r.name for r in registry.list_models(store) if r.active] == ["fan-demo"]
    predictor = registry.open_predictor(None, store, device="cpu", backend="torch")
    assert predictor.info.name == "fan-demo" and predictor.num_modules == 1
    with pytest.raises(registry.ModelRegistryError, match="built in and cannot be removed"):
        registry.remove_model("fan-demo", store)
    with pytest.raises(registry.ModelRegistryError, match="choose another name"):
        registry.import_model(demo, "fan-demo", store)
    registry.set_active("dlib68", store)
    assert registry.active_model(store) == "dlib68"
    registry.set_active("fan-demo", store)
    monkeypatch.setenv("NEUROFACE_DEMO_FAN", str(tmp_path / "gone.pth"))  # file deleted: falls back to dlib68
    assert registry.active_model(store) == "dlib68"
    assert [r.name for r in registry.list_models(store) if r.active] == ["dlib68"]
