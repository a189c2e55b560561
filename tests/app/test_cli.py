import json
import subprocess
import sys

import pytest

from neuroface_studio.cli import main
from neuroface_studio.store.project_file import PROJECT_FILENAME


def test_help_is_fast_and_imports_no_heavy_stack():
    code = ("import sys; from neuroface_studio.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
            "heavy = [m for m in ('torch', 'PySide6', 'pyqtgraph', 'h5py', 'cv2', 'face_alignment') if m in sys.modules]\n"
            "print('HEAVY', heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60).stdout
    assert "HEAVY []" in out
    assert "simulate" in out and "demo" in out


def test_project_create_and_info_json(tmp_path, capsys):
    assert main(["project", "create", str(tmp_path / "p"), "--name", "Study A", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["name"] == "Study A"
    assert main(["project", "info", str(tmp_path / "p"), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["participants"] == [] and "OPEN" in info["protocol"]["tasks"]


def test_project_info_lists_participants(handmade_project, capsys):
    assert main(["project", "info", str(handmade_project), "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert [(p["id"], p["group"]) for p in info["participants"]] == [("P001", "HC"), ("P002", "ALS")]
    assert info["n_recordings"] == 2 and info["n_repetitions"] == 4
    assert main(["project", "info", str(handmade_project)]) == 0
    assert "P002       ALS" in capsys.readouterr().out


@pytest.mark.parametrize("setup, message", [
    (lambda p: None, "does not exist"),
    (lambda p: p.mkdir(), "not a NeuroFace Studio project"),
    (lambda p: (p.mkdir(), (p / PROJECT_FILENAME).write_text("{oops")), "not valid JSON"),
])
def test_bad_projects_exit_2_with_a_message(tmp_path, capsys, setup, message):
    target = tmp_path / "bad"
    setup(target)
    assert main(["project", "info", str(target)]) == 2
    err = capsys.readouterr().err
    assert "error:" in err and message in err and "Traceback" not in err


def test_simulate_rejects_bad_arguments(handmade_project, capsys):
    assert main(["simulate", str(handmade_project), "--tasks", "DANCE"]) == 2
    assert "unknown task(s) DANCE" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["simulate", str(handmade_project), "--groups", "HC,XYZ"])
    assert main(["simulate", str(handmade_project), "--participants", "0"]) == 2
