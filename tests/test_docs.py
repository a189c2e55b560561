"""Keep the documentation true: every ``neuroface-studio`` command (and its options) quoted in
README.md, docs/*.md and packaging/README.md exists in the CLI, and every relative link points
to an existing file. Fast, no Qt: only the argparse parser is built.
"""

from __future__ import annotations

import argparse
import functools
import re
from pathlib import Path

import pytest

from neuroface_studio.cli import build_parser

ROOT = Path(__file__).resolve().parents[1]
DOCS = sorted([ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "packaging" / "README.md"])
DOCS = [p for p in DOCS if p.is_file()]

FENCE = re.compile(r"^```.*?$(.*?)^```", re.S | re.M)
INLINE = re.compile(r"`([^`\n]+)`")
#: ``neuroface-studio`` followed by white space and a lower-case word (a command), not a path or a file name
COMMAND = re.compile(r"(?<![\w/.-])neuroface-studio(?=\s)(.*)")
FLAG = re.compile(r"(?<![\w-])(--[a-z0-9][a-z0-9-]*)")
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)")


@functools.lru_cache(maxsize=1)
def _parser() -> argparse.ArgumentParser:
    return build_parser()


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse keeps no public accessor for its subparsers
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _flags(parser: argparse.ArgumentParser) -> set[str]:
    return {s for a in parser._actions for s in a.option_strings}


def _code_lines(text: str) -> list[str]:
    """Lines of fenced code blocks, and inline code spans outside them."""
    lines: list[str] = []
    for block in FENCE.findall(text):
        lines.extend(block.splitlines())
    for span in INLINE.findall(FENCE.sub("", text)):
        lines.append(span)
    return lines


def _mentions() -> list[tuple[str, str]]:
    """(file name, the text after ``neuroface-studio``) of every command quoted as code."""
    out = []
    for path in DOCS:
        for line in _code_lines(path.read_text(encoding="utf-8")):
            for m in COMMAND.finditer(line):
                out.append((str(path.relative_to(ROOT)), m.group(1)))
    return out


def test_docs_quote_commands() -> None:
    assert len(_mentions()) > 30  # the check below must have something to check


@pytest.mark.parametrize("where,rest", _mentions())
def test_documented_command_exists(where: str, rest: str) -> None:
    top = _parser()
    commands = _subparsers(top)
    rest = rest.split(" #")[0]  # a trailing shell comment
    first = rest.split(" | ")[0]  # "models list [--json] | fetch [fan2d]": alternatives after the first
    words = first.split()
    parser = top
    if words and words[0].isupper():
        return  # a placeholder: `neuroface-studio COMMAND --help`
    if words and not words[0].startswith("-"):
        name = words[0]
        assert name in commands, f"{where}: `neuroface-studio {name}` is not a command ({', '.join(commands)})"
        parser = commands[name]
        actions = _subparsers(parser)
        if actions and len(words) > 1 and re.fullmatch(r"[a-z][a-z-]*", words[1]):
            assert words[1] in actions, (f"{where}: `neuroface-studio {name} {words[1]}` is not an action "
                                         f"({', '.join(actions)})")
            allowed = _flags(parser) | _flags(actions[words[1]])
        else:
            allowed = _flags(parser)
    else:
        allowed = _flags(parser)
    allowed |= _flags(top)
    # a command's own options (only those written before any "|" alternative of another action)
    unknown = [f for f in FLAG.findall(first) if f not in allowed]
    assert not unknown, f"{where}: `neuroface-studio {first.strip()}` has unknown option(s) {unknown}"


def _links() -> list[tuple[str, str]]:
    out = []
    for path in DOCS:
        text = FENCE.sub("", path.read_text(encoding="utf-8"))
        for target in LINK.findall(text):
            if re.match(r"[a-z][a-z0-9+.-]*:", target):
                continue  # a URL (http:, mailto:)
            out.append((str(path.relative_to(ROOT)), target))
    return out


def _anchors(path: Path) -> set[str]:
    """GitHub's heading anchors of a Markdown file: lower case, punctuation dropped, spaces -> '-'."""
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return {re.sub(r"[^\w\- ]", "", h.strip().lower()).replace(" ", "-")
            for h in re.findall(r"^#{1,6}\s+(.+?)\s*#*$", text, re.M)}


def test_docs_have_links() -> None:
    assert _links()


@pytest.mark.parametrize("where,target", _links())
def test_relative_link_exists(where: str, target: str) -> None:
    name, _, anchor = target.partition("#")
    file = (ROOT / where).parent / name if name else ROOT / where
    assert file.exists(), f"{where}: link to {target} points to nothing ({file})"
    if anchor and file.suffix == ".md":
        assert anchor in _anchors(file), f"{where}: link to {target}: no heading #{anchor} in {file.name}"
