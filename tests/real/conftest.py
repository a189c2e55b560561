"""The real-video project, built once per test session through the CLI (see realrun.py)."""

from __future__ import annotations

import pytest

from realrun import RealRun, build_real_run


@pytest.fixture(scope="session")
def real_run(real_faces, tmp_path_factory) -> RealRun:
    return build_real_run(real_faces, tmp_path_factory.mktemp("real_pipeline"))
