"""Entry script of the frozen app (PyInstaller runs it as ``__main__``).

``multiprocessing.freeze_support()`` must run first: worker processes started with the spawn or
forkserver method (Dask's local workers, any ``ProcessPoolExecutor`` with a spawn context)
re-execute this executable, and freeze_support() turns such a start into the worker instead of
a second copy of the CLI. Then it is exactly ``neuroface-studio`` (neuroface_studio.cli:main).
"""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    from neuroface_studio.cli import main

    sys.exit(main())
