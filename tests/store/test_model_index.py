"""The local model store's index.json: round trip, active flag, damaged index."""

from __future__ import annotations

import json

import pytest

from neuroface_studio.store.model_index import ModelEntry, ModelIndex, ModelIndexError


def entry(name: str, **kw) -> ModelEntry:
    d = dict(name=name, architecture="FAN-4", version="v1", sha256="ab" * 32, file=f"files/{name}.pth",
             origin="imported from x.pth", created="2026-01-01T00:00:00+00:00", metrics={"nrmse": 0.02})
    d.update(kw)
    return ModelEntry(**d)


def test_round_trip_and_active(tmp_path):
    index = ModelIndex(tmp_path / "models")
    assert index.list() == []
    index.add(entry("fan2d"))
    index.add(entry("fan2d-ft", origin="fine-tuned from fan2d on data P001..P006", active=True))
    again = ModelIndex(tmp_path / "models")
    assert [e.name for e in again.list()] == ["fan2d", "fan2d-ft"]
    assert again.get("fan2d") == entry("fan2d")
    assert again.active().name == "fan2d-ft"
    again.set_active("fan2d")
    assert [e.active for e in again.list()] == [True, False]
    with pytest.raises(ModelIndexError, match="already in the store"):
        again.add(entry("fan2d"))
    again.add(entry("fan2d", version="v2"), replace_existing=True)
    assert again.get("fan2d").version == "v2" and again.get("fan2d").active  # replacing keeps active
    assert again.update_metrics("fan2d", {"nrmse_no_jaw": 0.01}).metrics == {"nrmse": 0.02, "nrmse_no_jaw": 0.01}
    assert again.remove("fan2d").name == "fan2d"
    assert [e.name for e in again.list()] == ["fan2d-ft"]
    with pytest.raises(ModelIndexError, match="no model named 'nope'"):
        again.get("nope")
    data = json.loads((tmp_path / "models" / "index.json").read_text())
    assert data["format"] == "neuroface-studio-model-index" and data["schema_version"] == 1


@pytest.mark.parametrize("text", ["{not json", json.dumps({"format": "other"}),
                                  json.dumps({"format": "neuroface-studio-model-index", "schema_version": 1,
                                              "models": [{"name": "x"}]})])
def test_damaged_index_is_a_clear_error_and_never_overwritten(tmp_path, text):
    folder = tmp_path / "models"
    folder.mkdir()
    (folder / "index.json").write_text(text)
    index = ModelIndex(folder)
    with pytest.raises(ModelIndexError, match="damaged.*move index.json aside"):
        index.list()
    with pytest.raises(ModelIndexError):
        index.add(entry("fan2d"))
    assert (folder / "index.json").read_text() == text
