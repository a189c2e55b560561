"""PyInstaller runtime hook: runs in the frozen app before the entry script.

HDF5 filters: recordings are Blosc-LZ4 compressed through hdf5plugin; ``import hdf5plugin``
(store/recording_file.py) registers its filters from ``<_internal>/hdf5plugin/plugins``
(collected by hook-hdf5plugin). Do NOT point HDF5_PLUGIN_PATH at that folder: hdf5plugin's
filter libraries must be initialised by hdf5plugin, and HDF5 loading them by itself makes every
compressed dataset fail ("Unable to synchronously create dataset (error during user callback)";
reproduced with the venv too).

The lossy scientific filters are left out of the bundle (packaging/bundle_manifest.py,
DROPPED_HDF5_FILTERS); hdf5plugin logs "Cannot initialize filter NAME: File not found" for each
at import. Only those exact messages are dropped; any other hdf5plugin message still shows.
"""

import logging

_LEFT_OUT = ("sz", "sz3", "sperr", "zfp", "htj2k", "fcidecomp")  # = bundle_manifest.DROPPED_HDF5_FILTERS
_NOT_FOUND = frozenset(f"Cannot initialize filter {name}: File not found" for name in _LEFT_OUT)


class _LeftOutFilters(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() not in _NOT_FOUND


logging.getLogger("hdf5plugin._utils").addFilter(_LeftOutFilters())
