"""The command line: ``neuroface-studio <command>``.

``core`` holds the parser, the entry point and the project/recording commands; each other module
registers one family of subcommands (models, segment, annotate, analysis, export, batch) and is
imported only when its command runs, so ``--help`` stays fast and loads no Qt.
"""

from neuroface_studio.cli.core import build_parser, main

__all__ = ["build_parser", "main"]
