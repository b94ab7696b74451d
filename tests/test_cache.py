"""The compiled-template cache (advisor/cache.py, engine/templating/codecache.py): it makes a new process start faster and
must never change what a user sees. Whatever the cache folder holds or allows (nothing yet, damaged files, no
write access, several processes writing at once, an edited template or rule), the plan is the same bytes and the
command says nothing about the cache.

The commands run in real processes, as a user runs them: a process keeps what it compiled in memory, so only a
new process shows what the cache on disk does.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import jinja2
import pytest
from jinja2.sandbox import SandboxedEnvironment

import advisor
from advisor.cache import cache_dir
from engine import RulePackError, load_rule_pack
from engine import text as text_module
from engine.templating.codecache import CodeCache, compile_cached

from conftest import GARDEN_FACTS, ROOT, TESTS

BAKER = ROOT / "examples" / "rising-baker-6k.yaml"
# The golden report renders with a pinned version; a real process prints the package's own.
BAKER_REPORT = (TESTS / "golden" / "rising-baker-6k.md").read_bytes().replace(
    b"0.0.0+golden", advisor.__version__.encode())


def _env(cache: str | Path, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    env.update(PYTHONPATH=str(ROOT), CREATOR_ADVISOR_CACHE_DIR=str(cache), **extra)
    return env


def _plan_command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "advisor.cli", "plan", *map(str, args)]


def run_plan(cache: str | Path, *args: str | Path, cwd: Path, **extra: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(_plan_command(*args), cwd=cwd, env=_env(cache, **extra), capture_output=True, timeout=120,
                          check=False)


def cache_files(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.jinja-code"))


# ---- what a user sees ---------------------------------------------------------------------------------------------

def test_the_first_run_fills_the_cache_and_every_run_writes_the_same_report(tmp_path):
    cache = tmp_path / "cache"
    for _ in range(2):  # an empty cache, then a warm one
        completed = run_plan(cache, BAKER, "--format", "md", cwd=tmp_path)
        assert completed.returncode == 0, completed.stderr.decode()
        assert completed.stderr == b""
        assert completed.stdout == BAKER_REPORT
    assert cache_files(cache), "nothing was cached"
    folder = cache / f"jinja-{jinja2.__version__}"
    assert stat.S_IMODE(folder.stat().st_mode) & 0o077 == 0, "the cache folder is readable by others"


def _file_in_the_way(tmp_path: Path) -> str:
    (tmp_path / "not-a-folder").write_text("x", encoding="utf-8")
    return str(tmp_path / "not-a-folder" / "cache")


def _read_only_folder(tmp_path: Path) -> str:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)  # (root can write anyway: then this case is an ordinary cache)
    return str(folder)


@pytest.mark.parametrize("folder", [_file_in_the_way, _read_only_folder, lambda tmp_path: ""],
                         ids=["a file where the folder should be", "a read-only folder", "set to nothing (off)"])
def test_a_cache_folder_that_cannot_be_used_still_gives_the_report_without_a_word(tmp_path, folder):
    home = tmp_path / "home"
    home.mkdir()
    completed = run_plan(folder(tmp_path), BAKER, "--format", "md", cwd=tmp_path, HOME=str(home),
                         XDG_CACHE_HOME=str(home / "xdg"))
    assert completed.returncode == 0, completed.stderr.decode()
    assert completed.stderr == b""
    assert completed.stdout == BAKER_REPORT
    assert list(home.iterdir()) == [], "the cache went to the home folder instead"


def test_damaged_cache_files_are_ignored_and_replaced(tmp_path):
    cache = tmp_path / "cache"
    assert run_plan(cache, BAKER, "--format", "md", cwd=tmp_path).returncode == 0
    damaged = {}
    for number, path in enumerate(cache_files(cache)):
        data = path.read_bytes()
        middle = len(data) // 2
        damaged[path] = [
            data[:middle],  # cut short, as by a full disk
            b"",
            data[:middle] + bytes([data[middle] ^ 0x55]) + data[middle + 1:],  # one byte changed
            os.urandom(len(data)),
            data[:20],  # the header and no more
        ][number % 5]
        path.write_bytes(damaged[path])
    completed = run_plan(cache, BAKER, "--format", "md", cwd=tmp_path)
    assert completed.returncode == 0, completed.stderr.decode()
    assert completed.stderr == b""
    assert completed.stdout == BAKER_REPORT
    assert all(path.read_bytes() != data for path, data in damaged.items()), "a damaged file was left in place"


def test_an_edited_rule_text_is_shown_and_checked_again(tmp_path):
    pack = tmp_path / "pack"
    shutil.copytree(ROOT / "rules", pack)
    programs = pack / "programs.yaml"
    original = programs.read_text(encoding="utf-8")
    text = "{{ facts.followers | number }} followers know when to come"
    assert original.count(text) == 1
    cache = tmp_path / "cache"

    def plan() -> subprocess.CompletedProcess[bytes]:
        return run_plan(cache, BAKER, "--format", "md", "--rules", pack, cwd=tmp_path)

    assert b"your 6,840 followers know when to come" in plan().stdout
    programs.write_text(original.replace(text, text.replace("followers know", "loyal followers know")),
                        encoding="utf-8")
    assert b"your 6,840 loyal followers know when to come" in plan().stdout
    programs.write_text(original.replace(text, text.replace("facts.followers", "facts.folowers")), encoding="utf-8")
    completed = plan()
    assert completed.returncode == 1
    assert b"the text uses unknown fact 'folowers'; did you mean 'followers'?" in completed.stderr
    programs.write_text(original, encoding="utf-8")
    completed = plan()
    assert completed.returncode == 0, completed.stderr.decode()
    assert completed.stdout == BAKER_REPORT


def test_an_edited_template_is_used_even_with_the_same_size_and_time(tmp_path):
    template = tmp_path / "mine.md.j2"
    template.write_text("Hello @{{ plan.profile.handle }}\n", encoding="utf-8")
    times = template.stat().st_mtime_ns
    cache = tmp_path / "cache"
    assert run_plan(cache, BAKER, "--template", template, cwd=tmp_path).stdout == b"Hello @crumb_and_co\n"
    template.write_text("Howdy @{{ plan.profile.handle }}\n", encoding="utf-8")
    os.utime(template, ns=(times, times))
    assert run_plan(cache, BAKER, "--template", template, cwd=tmp_path).stdout == b"Howdy @crumb_and_co\n"


def test_an_error_in_a_template_read_from_the_cache_still_names_the_file_and_line(tmp_path):
    template = tmp_path / "mine.md.j2"
    template.write_text("Hello\n{{ plan.profile.nope }}\n", encoding="utf-8")
    cache = tmp_path / "cache"
    first, again = (run_plan(cache, BAKER, "--template", template.name, cwd=tmp_path) for _ in range(2))
    assert first.returncode == again.returncode == 1
    assert first.stderr == again.stderr == (b"Error: mine.md.j2:2: cannot render the template: UndefinedError: "
                                            b"'dict object' has no attribute 'nope'\n")


def test_processes_started_together_on_an_empty_cache_all_write_the_report(tmp_path):
    cache = tmp_path / "cache"
    processes = [subprocess.Popen(_plan_command(BAKER, "--format", "md"), cwd=tmp_path, env=_env(cache),
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE) for _ in range(4)]
    for process in processes:
        stdout, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr.decode()
        assert stderr == b""
        assert stdout == BAKER_REPORT
    assert not [path for path in cache.rglob("*") if path.name.endswith(".tmp")], "a temporary file was left"
    assert run_plan(cache, BAKER, "--format", "md", cwd=tmp_path).stdout == BAKER_REPORT


# ---- where the cache is -----------------------------------------------------------------------------------------

def test_the_cache_folder_follows_the_variable_then_xdg_then_home(monkeypatch, tmp_path):
    version = f"jinja-{jinja2.__version__}"
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("CREATOR_ADVISOR_CACHE_DIR", str(tmp_path / "mine"))
    assert cache_dir() == tmp_path / "mine" / version
    monkeypatch.setenv("CREATOR_ADVISOR_CACHE_DIR", "  ")
    assert cache_dir() is None
    monkeypatch.delenv("CREATOR_ADVISOR_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "creator-advisor" / version
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/path")  # invalid by the XDG spec: ignored
    assert cache_dir() == tmp_path / "home" / ".cache" / "creator-advisor" / version


# ---- the cache itself ---------------------------------------------------------------------------------------------

TEMPLATE = "{% if plan %}\n{{ plan | shout }}\n{% endif %}\n"


def _environment(cache: CodeCache, **options: bool) -> SandboxedEnvironment:
    environment = SandboxedEnvironment(loader=jinja2.DictLoader({"t.j2": TEMPLATE}), bytecode_cache=cache,
                                       **options)
    environment.filters["shout"] = lambda value: f"{value}!"
    return environment


def test_environments_with_other_options_or_filters_do_not_share_code(tmp_path):
    """Jinja writes the options (here trim_blocks) and how a filter is called into the compiled code: an
    environment that differs in them must compile for itself, not run another's code."""
    cache = CodeCache(tmp_path)

    @jinja2.pass_context
    def shout_with_context(context, value):
        return f"{value}?"

    assert _environment(cache).get_template("t.j2").render(plan="a") == "\na!\n"
    assert _environment(cache, trim_blocks=True).get_template("t.j2").render(plan="a") == "a!\n"
    environment = _environment(cache)
    environment.filters["shout"] = shout_with_context
    assert environment.get_template("t.j2").render(plan="a") == "\na?\n"
    assert len(cache_files(tmp_path)) == 3
    assert _environment(CodeCache(tmp_path), trim_blocks=True).get_template("t.j2").render(plan="b") == "b!\n"


def test_a_template_is_compiled_once_and_then_read_from_the_folder(tmp_path, monkeypatch):
    assert _environment(CodeCache(tmp_path)).get_template("t.j2").render(plan="a") == "\na!\n"

    def refuse(*args, **kwargs):
        raise AssertionError("compiled again although the cache holds the template")

    monkeypatch.setattr(SandboxedEnvironment, "compile", refuse)
    assert _environment(CodeCache(tmp_path)).get_template("t.j2").render(plan="b") == "\nb!\n"


@pytest.mark.skipif(os.name != "posix", reason="folder modes are POSIX; Windows folders are guarded by ACLs")
def test_a_cache_folder_others_can_write_to_is_not_read(tmp_path):
    """The cache holds code this process runs: a file planted by someone else must not run. Here the planted file
    is right in every other way (key, source checksum, digest), so only the folder's permissions stop it."""
    cache = CodeCache(tmp_path)
    environment = _environment(cache)
    bucket = cache.get_bucket(environment, "t.j2", None, TEMPLATE)
    bucket.code = environment.compile("PLANTED")
    cache.set_bucket(bucket)
    assert _environment(CodeCache(tmp_path)).get_template("t.j2").render(plan="a") == "PLANTED"  # the user's own
    tmp_path.chmod(0o777)
    try:
        assert _environment(CodeCache(tmp_path)).get_template("t.j2").render(plan="a") == "\na!\n"
    finally:
        tmp_path.chmod(0o700)


def test_a_rule_text_read_from_the_cache_still_runs_in_the_sandbox(tmp_path, monkeypatch):
    environment = text_module.text_environment()
    monkeypatch.setattr(environment, "bytecode_cache", CodeCache(tmp_path))
    source = "{{ facts.__class__ }}"
    compile_cached(environment, source, "rule-text")  # compiled and stored
    monkeypatch.setattr(environment, "bytecode_cache", CodeCache(tmp_path))
    monkeypatch.setattr(type(environment), "compile", lambda *args, **kwargs: pytest.fail("compiled again"))
    template = compile_cached(environment, source, "rule-text")  # read back from the folder
    with pytest.raises(jinja2.exceptions.SecurityError):
        template.render(facts={}, thresholds={}, rule="r")


TEXT_CASES = sorted([*(TESTS / "corpus" / "rules").glob("text_*"),
                     *(TESTS / "corpus" / "hostile" / "rules").glob("text_*")])


@pytest.mark.parametrize("case", TEXT_CASES, ids=lambda path: f"{path.parent.parent.name}/{path.name}")
def test_rule_text_checks_read_from_the_cache_give_the_same_messages(case, tmp_path, monkeypatch):
    monkeypatch.chdir(case.parent)
    monkeypatch.setattr(text_module.text_environment(), "bytecode_cache", CodeCache(tmp_path))
    checked = []
    check_text = text_module._check_text
    monkeypatch.setattr(text_module, "_check_text", lambda *args: checked.append(args[0]) or check_text(*args))
    messages, counts = [], []
    for _ in range(2):
        try:
            load_rule_pack(case.name, GARDEN_FACTS)
            messages.append("loaded")
        except RulePackError as error:
            messages.append(str(error))
        counts.append(len(checked))
    assert counts[0] > 0, "the first load checked nothing"
    assert counts[1] == counts[0], "the second load checked the texts again instead of reading the results"
    assert messages[0] == messages[1]
    if messages[0] != "loaded":
        assert messages[0] in (case / "expected.txt").read_text(encoding="utf-8")


# ---- another user on the machine --------------------------------------------------------------------------------

def _forged_file(cache: CodeCache, environment: SandboxedEnvironment, code: str) -> tuple[str, bytes]:
    """(file name, bytes) of a cache file for t.j2 made by someone without this user's key: everything an attacker
    can compute from the source of engine/templating/codecache.py (the name, the format, the source checksum, a digest)."""
    import hashlib
    import marshal

    from engine.templating import codecache

    bucket = cache.get_bucket(environment, "t.j2", None, TEMPLATE)
    body = bucket.checksum.encode("ascii") + marshal.dumps(compile(code, "<forged>", "exec"))
    return bucket.key + codecache._SUFFIX, codecache._HEADER + hashlib.sha256(body).digest() + body


def _marker_code(marker: Path) -> str:
    return f"open({str(marker)!r}, 'w').write('ran')\n"


def test_a_cache_file_written_without_the_users_key_is_never_run(tmp_path):
    cache = CodeCache(tmp_path / "cache")
    environment = _environment(cache)
    assert environment.get_template("t.j2").render(plan="a") == "\na!\n"  # the folder and its key now exist
    marker = tmp_path / "ran"
    name, data = _forged_file(cache, environment, _marker_code(marker))
    (tmp_path / "cache" / name).write_bytes(data)
    for reader in (cache, CodeCache(tmp_path / "cache")):  # this process, and a new one
        assert _environment(reader).get_template("t.j2").render(plan="b") == "\nb!\n"
    assert not marker.exists(), "code planted in the cache ran"


@pytest.mark.skipif(os.name != "posix", reason="folder modes are POSIX; Windows folders are guarded by ACLs")
def test_a_cache_folder_reached_through_a_folder_others_can_write_to_is_not_used(tmp_path):
    shared = tmp_path / "shared"
    shared.mkdir()
    cache = CodeCache(shared / "cache")
    _environment(cache).get_template("t.j2")
    assert cache_files(shared / "cache"), "a private chain of folders was not cached"
    shared.chmod(0o777)  # a parent anyone can rename the cache folder in
    try:
        written = CodeCache(shared / "cache2")
        _environment(written).get_template("t.j2")
        assert not (shared / "cache2").exists(), "the cache wrote under a folder others can write to"
        reader = CodeCache(shared / "cache")
        reader.load_bytecode = lambda bucket: pytest.fail("read")  # type: ignore[method-assign]
        assert reader._read(cache.get_bucket(_environment(cache), "t.j2", None, TEMPLATE).key, "x") is None
    finally:
        shared.chmod(0o700)


def test_a_symlinked_cache_file_is_not_followed(tmp_path):
    cache = CodeCache(tmp_path / "cache")
    environment = _environment(cache)
    environment.get_template("t.j2")
    (path,) = cache_files(tmp_path / "cache")
    elsewhere = tmp_path / "elsewhere"
    path.rename(elsewhere)
    path.symlink_to(elsewhere)
    checksum = cache.get_source_checksum(TEMPLATE)
    assert CodeCache(tmp_path / "cache")._read(path.name.removesuffix(".jinja-code"), checksum) is None
    assert _environment(CodeCache(tmp_path / "cache")).get_template("t.j2").render(plan="c") == "\nc!\n"


@pytest.fixture
def other_user():
    """A throwaway second user (uid, gid) for the length of one test: needs root and useradd."""
    import pwd
    import secrets

    if os.name != "posix" or os.geteuid() != 0:
        pytest.skip("a second user needs root (useradd); this test runs as another user")
    if shutil.which("useradd") is None or shutil.which("userdel") is None:
        pytest.skip("useradd/userdel are not installed")
    name = f"ca{secrets.token_hex(4)}"
    created = subprocess.run(["useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                             capture_output=True, check=False, timeout=60)
    if created.returncode != 0:
        pytest.skip(f"useradd failed: {created.stderr.decode(errors='replace').strip()}")
    try:
        entry = pwd.getpwnam(name)
        yield entry.pw_uid, entry.pw_gid
    finally:
        subprocess.run(["userdel", name], capture_output=True, check=False, timeout=60)


def _as_user(user: tuple[int, int], script: str, *args: str) -> None:
    """Run a shell script as `user` (the interpreter of this test may sit where that user cannot reach)."""
    completed = subprocess.run(["/bin/sh", "-c", script, "sh", *args], user=user[0], group=user[1],
                               extra_groups=[], capture_output=True, timeout=60, check=False, cwd="/")
    assert completed.returncode == 0, completed.stderr.decode()


SWAP = 'mv "$1/cache" "$1/old" && mkdir -m 700 "$1/cache" && cp "$2" "$1/cache/$3"'


def test_another_user_who_owns_a_parent_folder_cannot_swap_in_code(tmp_path, other_user):
    """The victim's long-lived process (an API server, a batch worker) has used its cache; the other user owns a
    folder above it, renames the cache folder away and puts one of their own in its place, holding a forged file.
    Neither that process nor a new one may run it."""
    import tempfile

    top = Path(tempfile.mkdtemp(prefix="ca-other-user-"))
    try:
        top.chmod(0o711)  # the other user can reach `shared`, nothing more
        shared = top / "shared"
        shared.mkdir(mode=0o755)
        os.chown(shared, *other_user)
        (shared / "cache").mkdir(mode=0o700)  # the victim's own folder, in the other user's
        victim = CodeCache(shared / "cache")
        environment = _environment(victim)
        assert environment.get_template("t.j2").render(plan="a") == "\na!\n"
        marker = top / "ran"
        name, data = _forged_file(victim, environment, _marker_code(marker))
        payload = top / "payload"
        payload.write_bytes(data)
        payload.chmod(0o644)
        _as_user(other_user, SWAP, str(shared), str(payload), name)
        assert (shared / "cache" / name).stat().st_uid == other_user[0]
        for cache in (victim, CodeCache(shared / "cache")):
            assert _environment(cache).get_template("t.j2").render(plan="b") == "\nb!\n"
        assert not marker.exists(), "another user's code ran in this process"
    finally:
        shutil.rmtree(top, ignore_errors=True)
