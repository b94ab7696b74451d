"""Runs every example of docs/rule-authoring.md, in order, the way a reader follows it, so the guide cannot rot.

The convention. Each fenced code block of the guide has an HTML comment on the line just before it (rendered
Markdown hides the comment) saying what the block is:

    <!-- file: PATH -->       the block is the whole content of PATH, relative to the reader's working folder; a
                              later block for the same PATH replaces it, as when the reader edits the file
    <!-- run -->              the block is one `creator-advisor ...` command (it may go on over lines ending in `\\`);
                              it must exit with code 0
    <!-- run: exit N -->      the same, and it must exit with code N
    <!-- output -->           lines the previous command must print (standard output, then standard error)
    <!-- contents: PATH -->   lines file PATH must hold at this point: a file a command wrote (the catalogue) or a
                              file of the default pack the guide quotes
    <!-- not run -->          shown to the reader, not checked (the install and shell set-up lines)

Every fenced block must carry one of these, so no example goes unchecked.

How expected lines are matched: each one must match a line of the actual text, in the order given (later expected
lines match later actual lines). Both are compared with runs of spaces collapsed to one and the ends stripped; an
expected line matches an actual line that contains it, and `...` inside an expected line stands for any text. A
line that is only `...` stands for lines left out; blank lines are ignored.

`$DEFAULT_RULES` (the folder `creator-advisor rules path` prints) is replaced, in
commands, paths and expected lines, by `advisor.api.default_rules_dir()`. Commands run through the CLI in-process,
in a fresh temporary folder that is the current directory, so paths in messages read as they do for the reader.
"""

from __future__ import annotations

import inspect
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from advisor.api import default_rules_dir
from advisor.cli.main import main

GUIDE = Path(__file__).resolve().parent.parent / "docs" / "rule-authoring.md"
PLACEHOLDER = "$DEFAULT_RULES"
PROGRAM = "creator-advisor"

_MARKER = re.compile(r"^<!--\s*(file|run|output|contents|not run)\s*(?::\s*(.*?))?\s*-->\s*$")
_FENCE = re.compile(r"^(```+|~~~+)")


@dataclass
class Block:
    kind: str            # file, run, output, contents or "not run"
    argument: str        # the path of file/contents, "exit N" of run, else ""
    text: str            # the block's content, ending with a newline
    line: int            # where the block's content starts in the guide (1-based)


@dataclass
class Replay:
    """What a replay did, for tests that look at coverage."""
    commands: list[list[str]] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    outputs_checked: int = 0


# --- reading the guide ----------------------------------------------------------------------------------------------

def parse(markdown: str) -> list[Block]:
    """The marked fenced blocks, in order. An unmarked block is an error: every example must be checked."""
    lines = markdown.splitlines()
    blocks: list[Block] = []
    i = 0
    while i < len(lines):
        fence = _FENCE.match(lines[i])
        if not fence:
            i += 1
            continue
        opening, start = fence.group(1), i
        j = i + 1
        while j < len(lines) and not lines[j].startswith(opening):
            j += 1
        if j == len(lines):
            raise AssertionError(f"guide line {start + 1}: code block never closed")
        previous = start - 1
        while previous >= 0 and not lines[previous].strip():
            previous -= 1
        marker = _MARKER.match(lines[previous]) if previous >= 0 else None
        if marker is None:
            raise AssertionError(f"guide line {start + 1}: code block without a marker comment on the line before "
                                 "(<!-- file: PATH -->, <!-- run -->, <!-- output -->, <!-- contents: PATH --> or "
                                 "<!-- not run -->)")
        kind, argument = marker.group(1), (marker.group(2) or "").strip()
        if kind in ("file", "contents") and not argument:
            raise AssertionError(f"guide line {previous + 1}: <!-- {kind}: PATH --> needs a path")
        if kind == "run" and argument and not re.fullmatch(r"exit \d+", argument):
            raise AssertionError(f"guide line {previous + 1}: write <!-- run --> or <!-- run: exit N -->")
        text = "\n".join(lines[start + 1:j]) + "\n"
        blocks.append(Block(kind, argument, text, start + 2))
        i = j + 1
    return blocks


def command_words(text: str, default_rules: str) -> list[str]:
    """The command of a run block as words, `creator-advisor` first, with $DEFAULT_RULES filled in."""
    joined = re.sub(r"\\\n", " ", text).strip()
    if "\n" in joined:
        raise AssertionError(f"a run block holds one command (continue long ones with `\\`), got:\n{text}")
    words = shlex.split(joined, comments=True)
    return [word.replace(PLACEHOLDER, default_rules) for word in words]


# --- matching -------------------------------------------------------------------------------------------------------

def _normal(line: str) -> str:
    return " ".join(line.split())


def _line_matches(expected: str, actual: str) -> bool:
    pieces = [piece.strip() for piece in expected.split("...")]
    at = 0
    for piece in pieces:
        if not piece:
            continue
        found = actual.find(piece, at)
        if found < 0:
            return False
        at = found + len(piece)
    return True


def assert_lines_in(expected_text: str, actual_text: str, where: str) -> None:
    """Every expected line matches an actual line, in order (see the module docstring)."""
    actual = [_normal(line) for line in actual_text.splitlines()]
    position = 0
    for raw in expected_text.splitlines():
        wanted = _normal(raw)
        if not wanted or wanted == "...":
            continue
        while position < len(actual) and not _line_matches(wanted, actual[position]):
            position += 1
        if position == len(actual):
            raise AssertionError(f"{where}: expected line not found (in this order):\n  {raw.strip()}\n"
                                 f"--- actual ---\n{actual_text}")
        position += 1


# --- running --------------------------------------------------------------------------------------------------------

def _runner() -> CliRunner:
    # click < 8.2 mixes stderr into stdout unless told not to; 8.2+ keeps them apart and dropped the argument.
    if "mix_stderr" in inspect.signature(CliRunner.__init__).parameters:
        return CliRunner(mix_stderr=False)
    return CliRunner()


def run_cli(words: list[str]) -> tuple[int, str]:
    """`creator-advisor ARGS...` in-process: the exit code and what it printed (stdout, then stderr)."""
    result = _runner().invoke(main, words[1:], prog_name=PROGRAM)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{' '.join(words)} raised instead of reporting:\n{result.stderr}") from result.exception
    return result.exit_code, result.stdout + result.stderr


def replay(markdown: str, workdir: Path, default_rules: str) -> Replay:
    """Follow the guide in `workdir` (which must be the current directory): write files, run commands, check
    outputs. Raises AssertionError naming the guide line of the first thing that does not hold."""
    done = Replay()
    last: tuple[Block, str] | None = None
    for block in parse(markdown):
        where = f"guide line {block.line}"
        if block.kind == "not run":
            continue
        if block.kind == "file":
            path = workdir / block.argument
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(block.text, encoding="utf-8")
            done.files.append(block.argument)
        elif block.kind == "run":
            words = command_words(block.text, default_rules)
            if not words or words[0] != PROGRAM:
                raise AssertionError(f"{where}: a run block must be a `{PROGRAM} ...` command, got {block.text!r}")
            wanted = int(block.argument.split()[1]) if block.argument else 0
            code, output = run_cli(words)
            if code != wanted:
                raise AssertionError(f"{where}: `{block.text.strip()}` exited {code}, the guide says {wanted}:\n"
                                     f"{output}")
            done.commands.append(words)
            last = (block, output)
        elif block.kind == "output":
            if last is None:
                raise AssertionError(f"{where}: an output block with no command before it")
            command, output = last
            assert_lines_in(block.text.replace(PLACEHOLDER, default_rules), output,
                            f"{where} (output of `{command.text.strip()}` at guide line {command.line})")
            done.outputs_checked += 1
        elif block.kind == "contents":
            path = Path(block.argument.replace(PLACEHOLDER, default_rules))
            path = path if path.is_absolute() else workdir / path
            if not path.is_file():
                raise AssertionError(f"{where}: {block.argument} does not exist at this point of the guide")
            assert_lines_in(block.text.replace(PLACEHOLDER, default_rules), path.read_text(encoding="utf-8"),
                            f"{where} (contents of {block.argument})")
            done.outputs_checked += 1
    return done


# --- the tests ------------------------------------------------------------------------------------------------------

@pytest.fixture
def workdir(tmp_path, monkeypatch):
    folder = tmp_path / "agency-rules"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def test_every_example_of_the_guide_works_as_shown(workdir):
    done = replay(GUIDE.read_text(encoding="utf-8"), workdir, str(default_rules_dir()))
    assert done.commands and done.outputs_checked


def test_the_guide_walks_through_every_command_an_author_needs(workdir):
    """The guide keeps covering the whole authoring loop: if a step is cut, this says which."""
    blocks = parse(GUIDE.read_text(encoding="utf-8"))
    commands = [command_words(b.text, PLACEHOLDER) for b in blocks if b.kind == "run"]
    subcommands = {tuple(words[1:3]) if words[1] == "rules" else (words[1],) for words in commands}
    assert {("plan",), ("rules", "validate"), ("rules", "list"), ("rules", "test"), ("rules", "lint"),
            ("rules", "docs"), ("rules", "path"), ("rules", "new-overlay"), ("rules", "thresholds")} <= subcommands
    assert {words[3] for words in commands if words[1:3] == ["rules", "thresholds"]} == {"export", "import"}
    assert any("--as-of" in words for words in commands)
    assert any("--strict" in words for words in commands)
    # The whole loop runs with the overlay by name: no command needs the installed pack's path.
    assert not [words for words in commands if any(PLACEHOLDER in word for word in words)]
    assert any(words[-2:] == ["--overlay", "my-agency"] or "--overlay" in words for words in commands)
    tests = [words for words in commands if words[1:3] == ["rules", "test"]]
    assert any("--format" in words and "--min-coverage" in words for words in tests), "the CI call is shown"
    files = {b.argument for b in blocks if b.kind == "file"}
    assert any(path.startswith("my-agency/tests/") for path in files)
    runs = [b for b in blocks if b.kind == "run"]
    assert any(b.argument == "exit 1" for b in runs), "the guide shows a failing command and its exit code"


# The checker itself: a guide that is wrong must fail, or the test above proves nothing.

MINI_GUIDE = """\
<!-- file: my-agency/thresholds.yaml -->
```yaml
thresholds:
  creator_rewards.min_followers:
    value: 5000
    source: test
    as_of: 2026-11-02
```

<!-- run -->
```sh
creator-advisor rules validate $DEFAULT_RULES my-agency
```

<!-- output -->
```text
OK: ... ($DEFAULT_RULES, my-agency)
  my-agency replaces threshold creator_rewards.min_followers
```
"""


def test_the_checker_passes_a_correct_guide(workdir):
    done = replay(MINI_GUIDE, workdir, str(default_rules_dir()))
    assert done.files == ["my-agency/thresholds.yaml"] and done.outputs_checked == 1


@pytest.mark.parametrize("broken, complaint", [
    (MINI_GUIDE.replace("replaces threshold", "replaced threshold"), "expected line not found"),
    (MINI_GUIDE.replace("<!-- run -->", "<!-- run: exit 1 -->"), "exited 0, the guide says 1"),
    (MINI_GUIDE.replace("value: 5000", "valeu: 5000"), "exited 1, the guide says 0"),
    (MINI_GUIDE.replace("<!-- output -->\n", ""), "without a marker"),
    (MINI_GUIDE.replace("creator-advisor rules", "python -m advisor.cli rules"), "must be a `creator-advisor"),
    # Order matters: the overlay line comes after the OK line.
    (MINI_GUIDE.replace("OK: ... ($DEFAULT_RULES, my-agency)\n  my-agency replaces threshold creator_rewards"
                        ".min_followers", "  my-agency replaces threshold creator_rewards.min_followers\nOK: ..."),
     "expected line not found"),
])
def test_the_checker_fails_a_wrong_guide(workdir, broken, complaint):
    with pytest.raises(AssertionError, match=re.escape(complaint)):
        replay(broken, workdir, str(default_rules_dir()))
