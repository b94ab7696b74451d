"""Where a report goes (`plan -o`, `batch -o`, `batch --out`, advisor/output.py): only the file named changes.

A shared folder may hold names someone else planted: a symlink swapped in for the temporary file must not carry a
chmod onto another file. What stands at the path decides how it is written: a character device or a FIFO is
written through (replacing `/dev/null` with a file, as root, breaks the machine), anything else that is not a
regular file is refused with a clear error, and so is an output that is the command's own input.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
from pathlib import Path

import pytest

from test_batch import write_jsonl
from test_cli import run

TESTS = Path(__file__).resolve().parent
BAKER = TESTS.parent / "examples" / "rising-baker-6k.yaml"
posix_only = pytest.mark.skipif(os.name != "posix", reason="symlinks, FIFOs and modes as POSIX has them")


def _swap_temporary_for_link(monkeypatch, folder: Path, victim: Path, target: Path) -> list[str]:
    """As soon as a temporary file of the writer stands in `folder`, put a symlink to `victim` in its place (what
    another user who can write to a shared folder can do at any moment): at the writer's next look at the target
    or its next fsync."""
    swapped: list[str] = []
    real_stat, real_lstat, real_fsync = os.stat, os.lstat, os.fsync

    def swap() -> None:
        if swapped:
            return
        for entry in os.listdir(folder):
            if entry.startswith(".") and entry.endswith(".tmp") or entry.endswith(".partial"):
                path = folder / entry
                os.unlink(path)
                os.symlink(victim, path)
                swapped.append(entry)
                return

    def watching(real):
        def call(path, *args, **kwargs):
            if isinstance(path, (str, os.PathLike)) and Path(path) == target:
                swap()
            return real(path, *args, **kwargs)
        return call

    def fsync(fd):
        real_fsync(fd)
        swap()

    monkeypatch.setattr(os, "stat", watching(real_stat))
    monkeypatch.setattr(os, "lstat", watching(real_lstat))
    monkeypatch.setattr(os, "fsync", fsync)
    return swapped


def _command(kind: str, tmp_path: Path, target: Path) -> list[object]:
    if kind == "plan -o":
        return ["plan", BAKER, "-f", "md", "-o", target]
    source = tmp_path / "in.jsonl"
    write_jsonl(source, 2)
    if kind == "batch -o":
        return ["batch", source, "-o", target, "--jobs", "1"]
    return ["batch", source, "--out", target.parent, "-f", "md", "--jobs", "1"]


@posix_only
@pytest.mark.parametrize("kind", ["plan -o", "batch -o", "batch --out"])
def test_a_symlink_swapped_in_for_the_temporary_file_changes_no_other_files_permissions(tmp_path, monkeypatch,
                                                                                        kind):
    victim = tmp_path / "secret.txt"
    victim.write_text("private\n", encoding="utf-8")
    victim.chmod(0o600)
    shared = tmp_path / "shared"
    shared.mkdir()
    target = shared / ("creator_0001.md" if kind == "batch --out" else "report.out")
    target.write_text("the previous report\n", encoding="utf-8")
    target.chmod(0o666)  # a report meant for others: the writer keeps this mode for the new one
    swapped = _swap_temporary_for_link(monkeypatch, shared, victim, target)
    run(*_command(kind, tmp_path, target))
    monkeypatch.undo()
    assert swapped, "the writer left no temporary file to swap"
    assert stat.S_IMODE(victim.stat().st_mode) == 0o600, "the victim's file was made readable by others"
    assert victim.read_text(encoding="utf-8") == "private\n"


def test_a_replaced_report_keeps_its_permissions_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "plan.md"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    assert run("plan", BAKER, "-f", "md", "-o", target).exit_code == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.read_text(encoding="utf-8").startswith("# ")
    assert [path.name for path in tmp_path.iterdir()] == ["plan.md"]


def _read_fifo(path: Path, into: list[bytes]) -> threading.Thread:
    def read() -> None:
        with open(path, "rb") as stream:
            into.append(stream.read())
    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread


@posix_only
@pytest.mark.parametrize("kind", ["plan -o", "batch -o"])
def test_a_fifo_is_written_through_and_stays_a_fifo(tmp_path, kind):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = _read_fifo(fifo, received)
    result = run(*_command(kind, tmp_path, fifo))
    reader.join(30)
    assert result.exit_code == 0, result.stderr
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode), "the FIFO was replaced by a file"
    if kind == "plan -o":
        assert received[0].startswith(b"# ")
    else:
        assert [json.loads(line)["profile"]["handle"] for line in received[0].splitlines()] == \
            ["creator_0001", "creator_0002"]


@posix_only
def test_a_character_device_is_written_through_and_not_replaced(tmp_path):
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # the same device as /dev/null
    except (PermissionError, AttributeError) as error:
        pytest.skip(f"cannot make a device node here ({error}); needs root")
    for command in (["plan", BAKER, "-f", "md", "-o", device], _command("batch -o", tmp_path, device)):
        result = run(*command)
        assert result.exit_code == 0, result.stderr
        assert stat.S_ISCHR(os.lstat(device).st_mode), "the device was replaced by a regular file"


def _socket(tmp_path: Path) -> Path:
    path = tmp_path / "socket"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()
    return path


def _link_to_file(tmp_path: Path) -> Path:
    (tmp_path / "elsewhere.md").write_text("keep me\n", encoding="utf-8")
    link = tmp_path / "link.md"
    link.symlink_to(tmp_path / "elsewhere.md")
    return link


@posix_only
@pytest.mark.parametrize("make, words", [
    (_link_to_file, "it is a symbolic link (to {tmp}/elsewhere.md); give the path of the file itself"),
    (_socket, "it is a socket"),
], ids=["symlink to a file", "socket"])
@pytest.mark.parametrize("kind", ["plan -o", "batch -o"])
def test_other_things_than_files_are_refused_with_what_they_are(tmp_path, make, words, kind):
    target = make(tmp_path)
    before = os.lstat(target)
    result = run(*_command(kind, tmp_path, target))
    assert result.exit_code == 1
    what = "the report" if kind == "plan -o" else "the plans"
    assert result.stderr == f"Error: {target}: cannot write {what}: {words.format(tmp=tmp_path)}\n"
    after = os.lstat(target)
    assert (after.st_ino, after.st_mode) == (before.st_ino, before.st_mode)
    if (tmp_path / "elsewhere.md").exists():
        assert (tmp_path / "elsewhere.md").read_text(encoding="utf-8") == "keep me\n"


def test_a_report_is_never_written_over_its_own_profile(tmp_path):
    profile = tmp_path / "p.yaml"
    profile.write_bytes(BAKER.read_bytes())
    alias = tmp_path / "alias.yaml"
    os.link(profile, alias)  # the same file under another name
    for target in (profile, alias):
        result = run("plan", profile, "-o", target)
        assert result.exit_code == 1
        assert result.stderr == (f"Error: {target}: cannot write the report over the input {profile}: give another "
                                 "output path\n")
    assert profile.read_bytes() == BAKER.read_bytes()


def test_a_batch_is_never_written_over_its_input(tmp_path):
    source = tmp_path / "in.jsonl"
    write_jsonl(source, 3)
    before = source.read_bytes()
    result = run("batch", source, "-o", source)
    assert result.exit_code == 1
    assert result.stderr == f"Error: {source}: cannot write the plans over the input {source}: give another output " \
                            "path\n"
    assert source.read_bytes() == before
    folder = tmp_path / "profiles"
    folder.mkdir()
    (folder / "baker.yaml").write_bytes(BAKER.read_bytes())
    result = run("batch", folder, "--out", folder, "-f", "json")
    assert result.exit_code == 1
    assert result.stderr == f"Error: {folder}: cannot write the reports into the input folder {folder}: give " \
                            "another folder\n"
    assert [path.name for path in folder.iterdir()] == ["baker.yaml"]


def test_importing_over_a_source_is_refused(tmp_path):
    source = tmp_path / "user_data_tiktok.json"
    source.write_text(json.dumps({"Profile": {"Profile Information": {"ProfileMap": {"userName": "baker",
                                                                                      "followerCount": 5}}}}),
                      encoding="utf-8")
    before = source.read_bytes()
    result = run("import", source, "-o", source)
    assert result.exit_code == 1
    assert "cannot write the report over the input" in result.stderr
    assert source.read_bytes() == before
