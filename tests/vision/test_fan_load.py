"""FAN weight files: only genuine FAN state dicts load; everything else is NotAModelError."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("face_alignment")

from neuroface_studio.vision.errors import NotAModelError  # noqa: E402
from neuroface_studio.vision.fan import build_fan, load_fan_state, validate_fan_state  # noqa: E402


def fan_state(num_modules: int = 1, seed: int = 0) -> dict:
    torch.manual_seed(seed)
    return build_fan(num_modules).state_dict()


@pytest.fixture(scope="module")
def fan1_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("fan") / "fan1.pth"
    torch.save(fan_state(1), path)
    return path


def test_fan1_and_fan4_state_dicts_load(fan1_file, tmp_path):
    state, n = load_fan_state(fan1_file)
    assert n == 1 and all(v.device.type == "cpu" for v in state.values())
    assert torch.equal(state["l0.weight"], fan_state(1)["l0.weight"])
    path4 = tmp_path / "2DFAN4-local.pth.tar"
    torch.save(fan_state(4), path4)
    state4, n4 = load_fan_state(path4)
    assert n4 == 4 and state4["l3.weight"].shape == (68, 256, 1, 1)


def test_wrapped_and_prefixed_and_counterless_state_dicts_are_accepted():
    state = fan_state(1)
    _, n = validate_fan_state({"state_dict": {f"module.{k}": v for k, v in state.items()}})
    assert n == 1
    old = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    assert validate_fan_state(old)[1] == 1


def _bad_files(tmp_path):
    text = tmp_path / "notes.txt"
    text.write_text("this is not a model\n")
    tensor = tmp_path / "tensor.pth"
    torch.save(torch.randn(3, 4), tensor)
    wrong = fan_state(1)
    wrong["l0.weight"] = torch.zeros(98, 256, 1, 1)  # a 98-point (WFLW) head
    wrong_file = tmp_path / "wrong.pth"
    torch.save(wrong, wrong_file)
    partial = fan_state(1)
    del partial["conv1.weight"]
    partial_file = tmp_path / "partial.pth"
    torch.save(partial, partial_file)
    nan = fan_state(1)
    nan["bn1.weight"][0] = float("nan")
    nan_file = tmp_path / "nan.pth"
    torch.save(nan, nan_file)
    truncated = tmp_path / "truncated.pth"
    torch.save(fan_state(1), truncated)
    data = truncated.read_bytes()
    truncated.write_bytes(data[: len(data) // 2])
    return {"text": text, "tensor": tensor, "wrong shape": wrong_file, "missing key": partial_file,
            "nan": nan_file, "truncated": truncated}


def test_bad_files_are_not_models(tmp_path):
    for kind, path in _bad_files(tmp_path).items():
        with pytest.raises(NotAModelError, match="is not a FAN landmark model") as err:
            load_fan_state(path)
        assert "2DFAN4" in str(err.value), kind
        assert str(path) in str(err.value), kind


def test_wrong_head_says_how_many_heatmaps(tmp_path):
    with pytest.raises(NotAModelError, match="98 heatmaps, not 68"):
        load_fan_state(_bad_files(tmp_path)["wrong shape"])


class _Evil:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_malicious_pickle_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    evil = tmp_path / "evil.pth"
    with evil.open("wb") as fh:
        pickle.dump({"conv1.weight": _Evil(marker)}, fh)
    evil_zip = tmp_path / "evil_zip.pth"
    torch.save({"x": _Evil(marker)}, evil_zip)
    assert not marker.exists()
    for path in (evil, evil_zip):
        with pytest.raises(NotAModelError, match="pickled Python objects") as info:
            load_fan_state(path)
        # PyTorch's own text advises weights_only=False, which would run the payload: never passed on
        assert "weights_only" not in str(info.value) and "trust" not in str(info.value)
    assert not marker.exists()


def test_torchscript_archive_is_refused_before_torch_sees_it(tmp_path):
    import zipfile

    fake = tmp_path / "2DFAN4-cd938726ad.zip"
    with zipfile.ZipFile(fake, "w") as zf:
        zf.writestr("2DFAN4/constants.pkl", b"")
        zf.writestr("2DFAN4/code/__torch__/fan.py", "def forward(self, x): ...")
    with pytest.raises(NotAModelError, match="TorchScript"):
        load_fan_state(fake)


def test_missing_file_is_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_fan_state(tmp_path / "nothing.pth")


def test_importing_fan_modules_does_not_import_torch():
    code = ("import sys; import neuroface_studio.vision.fan, neuroface_studio.vision.fan_fetch, "
            "neuroface_studio.vision.fan_geometry, neuroface_studio.vision.fan_bench, "
            "neuroface_studio.vision.fan_onnx; "
            "bad = [m for m in ('torch', 'face_alignment', 'onnxruntime') if m in sys.modules]; "
            "assert not bad, bad")
    subprocess.run([sys.executable, "-c", code], check=True)
