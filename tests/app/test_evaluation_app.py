"""Evaluating models on a project's annotated frames and on .pts folders; the CLI commands."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

pytest.importorskip("dlib")

from neuroface_studio.app import evaluation as eva  # noqa: E402
from neuroface_studio.app.project_service import ProjectSession  # noqa: E402
from neuroface_studio.cli import main  # noqa: E402
from neuroface_studio.store.pts import write_pts  # noqa: E402


@pytest.fixture(scope="module")
def sim_project(tmp_path_factory):
    from neuroface_studio.app.simulate import SimulationRequest, simulate_into_project
    folder = tmp_path_factory.mktemp("sim") / "proj"
    simulate_into_project(ProjectSession.create(folder), SimulationRequest(
        participants=2, groups=("HC", "ALS"), tasks=("OPEN",), fps=10, duration_scale=0.2, annotators=2))
    return folder


@pytest.fixture
def session(sim_project, tmp_path, monkeypatch):
    monkeypatch.setenv("NEUROFACE_HOME", str(tmp_path / "home"))
    folder = tmp_path / "proj"
    shutil.copytree(sim_project, folder)
    return ProjectSession.open(folder)


def test_compare_two_models_per_group():
    rng = np.random.default_rng(0)
    a = rng.uniform(0.06, 0.08, 20)
    b = a - 0.02 + rng.normal(0, 0.002, 20)
    b[3] = np.nan  # model B found no face on one image
    groups = ["HC"] * 10 + ["ALS"] * 10
    rep = eva.compare({"A": a, "B": b}, groups, eva.EvalSettings(), [f"i{k}" for k in range(20)])
    assert rep["models"]["B"]["missing"] == 1 and rep["models"]["B"]["per_image"]["i3"] is None
    assert rep["models"]["A"]["groups"]["HC"]["n"] == 10 and "ALS" in rep["models"]["A"]["bias_smd_vs_HC"]
    c = rep["comparisons"]["A vs B"]
    assert c["paired_t_by_group"]["all"]["n"] == 19 and c["paired_t_by_group"]["all"]["t"] > 10
    assert c["wilcoxon"]["p_holm"] < 0.01


def test_evaluate_project_with_dlib68_on_the_consensus(session):
    rep = eva.evaluate_project(session, ["dlib68"], eva.EvalSettings("interocular", "all"))
    m = rep["models"]["dlib68"]
    assert "consensus" in rep["data"] and set(m["groups"]) == {"all", "HC", "ALS"}
    assert 0.0 < m["mean"] < 0.15 and m["n"] + m["missing"] == rep["images"]
    assert len(m["per_landmark"]) == 68 and all(v is None or v >= 0 for v in m["per_landmark"])
    with pytest.raises(ValueError, match="no test frames for participants NOPE"):
        eva.evaluate_project(session, ["dlib68"], participants=["NOPE"])


def test_evaluate_pts_folders_and_cli(tmp_path, capsys, session):
    gt, pred = tmp_path / "gt", tmp_path / "pred"
    gt.mkdir(), pred.mkdir()
    rng = np.random.default_rng(1)
    base = rng.uniform(100, 300, size=(68, 2))
    for k in range(3):
        write_pts(gt / f"img{k}.pts", base + k)
    write_pts(pred / "img0.pts", base + [3.0, 4.0])  # 5 px everywhere
    write_pts(pred / "img1.pts", base + 1)  # perfect
    (pred / "img2.pts").write_text("garbage")
    res = eva.evaluate_pts(gt, pred, eva.EvalSettings("interocular", "all"))
    iod = np.linalg.norm(base[36] - base[45])
    assert res["per_image"]["img0"] == pytest.approx(5 / iod, rel=1e-4) and res["per_image"]["img1"] == 0.0
    assert res["per_image"]["img2"] is None and res["missing"] == 1 and res["problems"][0]["file"] == "img2.pts"
    assert res["mean"] == pytest.approx(2.5 / iod, rel=1e-4)
    assert main(["evaluate-pts", "--gt", str(gt), "--pred", str(pred), "--normalizer", "interocular",
                 "--subset", "all", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["mean"] == pytest.approx(res["mean"]) and out["settings"]["normalizer"] == "interocular"
    assert main(["evaluate-pts", "--gt", str(tmp_path / "nope"), "--pred", str(pred)]) == 2
    assert "not a folder" in capsys.readouterr().err
    assert main(["evaluate", str(session.folder), "--models", "dlib68"]) == 0
    assert "dlib68" in capsys.readouterr().out
