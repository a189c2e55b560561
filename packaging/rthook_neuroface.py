"""PyInstaller runtime hook: runs in the frozen app before the entry script.

HDF5 filters: recordings are Blosc-LZ4 compressed through hdf5plugin. ``import hdf5plugin``
registers its filters from ``<_internal>/hdf5plugin/plugins`` (collected by hook-hdf5plugin);
pointing HDF5_PLUGIN_PATH there as well lets HDF5 load a filter on demand even in a code path
that opens a file before hdf5plugin was imported. A value set by the user wins.
"""

import os
import sys

_plugins = os.path.join(getattr(sys, "_MEIPASS", ""), "hdf5plugin", "plugins")
if os.path.isdir(_plugins):
    os.environ.setdefault("HDF5_PLUGIN_PATH", _plugins)
