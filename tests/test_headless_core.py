"""Every module outside gui/ imports without Qt (run by CI with NEUROFACE_BLOCK_QT=1)."""

import importlib
import os
import pkgutil
import subprocess
import sys

import pytest

import neuroface_studio


def _core_modules():
    for info in pkgutil.walk_packages(neuroface_studio.__path__, "neuroface_studio."):
        if not info.name.startswith("neuroface_studio.gui") and info.name != "neuroface_studio.__main__":
            yield info.name


def test_core_modules_import_without_qt():
    """In a fresh interpreter (other tests may have loaded Qt into this one)."""
    code = ("import importlib, sys\n"
            f"for n in {list(_core_modules())!r}: importlib.import_module(n)\n"
            "assert not {'PySide6', 'pyqtgraph'} & set(sys.modules), 'Qt imported'")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


@pytest.mark.skipif(os.environ.get("NEUROFACE_BLOCK_QT") != "1", reason="only in the Qt-blocked run")
def test_qt_really_is_blocked():
    with pytest.raises(ImportError, match="blocked"):
        importlib.import_module("PySide6.QtCore")
