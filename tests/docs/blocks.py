"""Fenced code blocks of the README and docs/*.md, with their ``docs-test`` annotations.

A block is annotated by an HTML comment on the line right above its fence, directives
separated by ``;``::

    <!-- docs-test: skip (why it cannot run here) -->
    <!-- docs-test: serve --clock manual --reject-retired; expect "error_code":400001 -->
    <!-- docs-test: pytest -->

``skip (reason)``
    not run; the reason is required.
``serve ARGS``
    this block and the ones after it on the page run against a fresh emulator started
    with ``sora-mock serve ARGS`` (blocks before the first ``serve`` get one with no flags).
``expect TEXT``
    the block's output must contain TEXT; ``curl`` may then answer an HTTP error.
``pytest``
    a Python block that is a test file: it is run with pytest (the plugin loaded as
    installed), not as a script.

Blocks in ``sh``/``bash``/``shell`` and ``python`` run; blocks in any other language or
none (output, HTTP, fault syntax) are text.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

SHELL = frozenset({"sh", "bash", "shell"})
PYTHON = frozenset({"python", "py"})
_ANNOTATION = re.compile(r"^<!--\s*docs-test:\s*(?P<body>.*?)\s*-->\s*$")
_FENCE = re.compile(r"^(?P<fence>`{3,})(?P<lang>[\w+-]*)")


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # of the opening fence, 1-based
    lang: str
    code: str
    skip: str | None = None
    serve: tuple[str, ...] | None = None
    expect: tuple[str, ...] = ()
    pytest: bool = False

    @property
    def runnable(self) -> bool:
        return self.skip is None and (self.lang in SHELL or self.lang in PYTHON)

    @property
    def where(self) -> str:
        return f"{self.path.name}:{self.line}"


@dataclass
class Session:
    """Blocks of one page that share one emulator (and one shell)."""

    page: Path
    serve: tuple[str, ...]
    blocks: list[Block] = field(default_factory=list)

    @property
    def needs_server(self) -> bool:
        """Whether a block talks to the emulator (its address, or ``sora-mock generate``,
        which finds it through ``SORA_MOCK_URL``); pytest blocks start their own."""
        if self.serve:
            return True
        talk = ("127.0.0.1:8000", "localhost:8000", "sora-mock generate")
        return any(not b.pytest and any(t in b.code for t in talk) for b in self.blocks)

    @property
    def name(self) -> str:
        first = self.blocks[0].line if self.blocks else 0
        return f"{self.page.name}:{first}"


def parse_directives(body: str, where: str) -> dict[str, object]:
    out: dict[str, object] = {}
    expects: list[str] = []
    for raw in re.split(r";(?![^(]*\))", body):  # a ";" inside (...) is text
        part = raw.strip()
        word, _, rest = part.partition(" ")
        rest = rest.strip()
        if word == "skip":
            reason = rest.strip("():").strip()
            if not reason:
                raise ValueError(f"{where}: 'skip' needs a reason: skip (why)")
            out["skip"] = reason
        elif word == "serve":
            out["serve"] = tuple(shlex.split(rest))
        elif word == "expect":
            if not rest:
                raise ValueError(f"{where}: 'expect' needs the text to find")
            expects.append(rest)
        elif word == "pytest" and not rest:
            out["pytest"] = True
        else:
            raise ValueError(f"{where}: unknown docs-test directive {part!r}")
    out["expect"] = tuple(expects)
    return out


def blocks(path: Path) -> list[Block]:
    """Every fenced block of one markdown file, in order."""
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        fence, start = match["fence"], i
        end = start + 1
        while end < len(lines) and not lines[end].startswith(fence):
            end += 1
        directives: dict[str, object] = {}
        above = lines[start - 1] if start > 0 else ""
        note = _ANNOTATION.match(above)
        if note:
            directives = parse_directives(note["body"], f"{path.name}:{start}")
        code = "\n".join(lines[start + 1 : end]) + "\n"
        found.append(Block(path, start + 1, match["lang"].lower(), code, **directives))  # type: ignore[arg-type]
        i = end + 1
    return found


def sessions(path: Path) -> list[Session]:
    """The page's runnable blocks, grouped by the emulator they run against."""
    current = Session(path, ())
    grouped = [current]
    for block in blocks(path):
        if block.serve is not None and block.skip is None:
            current = Session(path, block.serve)
            grouped.append(current)
        if block.runnable:
            current.blocks.append(block)
    return [s for s in grouped if s.blocks]
