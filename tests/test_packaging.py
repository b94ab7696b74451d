"""The installed product, not the checkout: build the wheel, install it alone into a fresh virtual environment, and
run the command from an unrelated folder, as a user who typed `pip install creator-advisor` would.

This is the test that catches data files left out of the wheel (rules, templates, JSON schemas) and code that only
works because the checkout happens to be the current directory. It takes some seconds (a wheel build and a virtual
environment); it runs offline when the running interpreter has setuptools>=64 and wheel, else pip's isolated build
fetches them from the configured index.

The project is copied to a temporary folder before building: an in-tree build writes `build/` and
`creator_advisor.egg-info/` into the checkout (and a stale `build/lib` can smuggle deleted files into later wheels).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent

REQUIRED_IN_WHEEL = [
    "advisor/__init__.py",
    "advisor/cli/main.py",
    "engine/__init__.py",
    "advisor/rules/pack.yaml",
    "advisor/rules/programs.yaml",
    "advisor/templates/plan.md.j2",
    "advisor/templates/plan.html.j2",
    "advisor/templates/diff.md.j2",
    "advisor/rules/labels.yaml",
    "engine/schemas/rule_file.schema.json",
    "advisor/schemas/profile.schema.json",
    "advisor/schemas/plan.schema.json",  # the service's OpenAPI document is built from it
    "advisor/service/app.py",
    "advisor/service/templates/form.html.j2",
    "advisor/service/templates/docs.html.j2",
    "advisor/service/templates/page.css",
]


def _project_version() -> str:
    """The version as written in its one place, advisor/_version.py (pyproject.toml reads it from there)."""
    namespace: dict[str, str] = {}
    exec((ROOT / "advisor" / "_version.py").read_text(encoding="utf-8"), namespace)
    return namespace["__version__"]


def _run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: int = 300):
    completed = subprocess.run([str(arg) for arg in args], cwd=cwd, env=env, capture_output=True, text=True,
                               timeout=timeout)
    return completed


def _can_build_offline() -> bool:
    if importlib.util.find_spec("wheel") is None or importlib.util.find_spec("setuptools") is None:
        return False
    import setuptools
    return int(setuptools.__version__.split(".")[0]) >= 64


def _clean_env() -> dict[str, str]:
    """The environment for the installed command: no PYTHONPATH or virtual environment leaking the checkout in."""
    return {key: value for key, value in os.environ.items()
            if key not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV", "PYTHONSAFEPATH")}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    for module in ("pip", "venv", "ensurepip"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{sys.executable} has no {module!r} module: cannot build and install the wheel here")
    work = tmp_path_factory.mktemp("wheel-build")
    source = work / "source"
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".git", "build", "dist", "*.egg-info", "__pycache__", ".pytest_cache", ".venv", "venv", "*.pyc"))
    dist = work / "dist"
    args = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-w", dist, source]
    if _can_build_offline():
        args.insert(4, "--no-build-isolation")
    completed = _run(args, cwd=work)
    if completed.returncode != 0 and "--no-build-isolation" not in args and (
            "No matching distribution found for setuptools" in completed.stdout + completed.stderr):
        pytest.skip("building needs setuptools>=64 and wheel: not in this interpreter and no package index "
                    "reachable (install them, or run with network access)")
    if completed.returncode != 0:
        output = completed.stdout + completed.stderr
        errors = sorted({line.strip() for line in output.splitlines() if line.strip().startswith("error: ")
                         and "subprocess-exited-with-error" not in line})
        pytest.fail(f"building the wheel failed: {'; '.join(errors) or 'see pip output'}\n\n{output[-4000:]}")
    wheels = sorted(dist.glob("creator_advisor-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def venv(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment holding the wheel. Its dependencies are not downloaded: a .pth file appends the
    running interpreter's site-packages, after the venv's own, so the wheel's `advisor` wins over any other copy
    (`--ignore-installed`: a copy installed in the running interpreter must not stop pip installing the wheel).
    (`--system-site-packages` would not do: from a venv it exposes the base interpreter, not this venv's packages.)"""
    folder = tmp_path_factory.mktemp("venv") / "env"
    completed = _run([sys.executable, "-m", "venv", folder], cwd=folder.parent)
    if completed.returncode != 0:
        pytest.skip(f"`{sys.executable} -m venv` failed here (no ensurepip?): {completed.stderr.strip()[-500:]}")
    python = folder / "bin" / "python"
    purelib = _run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], cwd=folder)
    ours = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"], *site.getsitepackages()}
    (Path(purelib.stdout.strip()) / "zz_test_dependencies.pth").write_text(
        "".join(f"{path}\n" for path in sorted(ours) if Path(path).is_dir()), encoding="utf-8")
    completed = _run([python, "-m", "pip", "install", "--no-deps", "--no-index", "--ignore-installed",
                      "--disable-pip-version-check",
                      wheel], cwd=folder.parent, env=_clean_env())
    assert completed.returncode == 0, completed.stdout + completed.stderr
    return folder


def test_the_wheel_carries_the_data_files_and_not_the_tests(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    missing = [name for name in REQUIRED_IN_WHEEL if name not in names]
    assert not missing, f"missing from {wheel.name}: {missing}"
    for rule_file in sorted((ROOT / "rules").glob("*.yaml")):
        assert f"advisor/rules/{rule_file.name}" in names, f"{rule_file.name} of the default pack is not shipped"
    for example in sorted((ROOT / "examples").glob("*.yaml")):  # `creator-advisor example NAME` needs them
        assert f"advisor/examples/{example.name}" in names, f"example {example.name} is not shipped"
    assert not [name for name in names if name.startswith(("tests/", "bench/", "docs/", "examples/"))]
    modules = sorted(path.relative_to(ROOT).as_posix() for package in ("engine", "advisor")
                     for path in (ROOT / package).rglob("*.py"))
    assert [name for name in modules if name not in names] == [], "every module of the source tree is shipped"


def test_the_version_is_written_in_one_place():
    """pyproject.toml declares the version dynamic and reads it from advisor/_version.py, which the package
    imports: a release bumps one line, and the command needs no package metadata to name its version."""
    import tomllib

    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "version" not in pyproject["project"]
    assert "version" in pyproject["project"]["dynamic"]
    assert pyproject["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "advisor._version.__version__"}
    import advisor

    assert advisor.__version__ == _project_version()


def test_the_installed_command_runs_from_another_folder(venv, tmp_path):
    """`creator-advisor plan profile.yaml --format json -o plan.json` and `creator-advisor rules validate`, run from
    a folder that holds only the profile, with the venv's own console script."""
    command = venv / "bin" / "creator-advisor"
    assert command.exists(), "the wheel did not install the creator-advisor console script"
    shutil.copy(ROOT / "examples" / "big-fitness-640k.yaml", tmp_path / "profile.yaml")
    env = _clean_env()

    completed = _run([command, "plan", "profile.yaml", "--format", "json", "-o", "plan.json"], cwd=tmp_path, env=env)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == ""
    assert completed.stderr == "Wrote plan.json\n"
    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    assert plan["schema_version"] == 1
    assert plan["profile"]["handle"] == "liftwithlena"
    assert plan["eligibility"] and plan["recommendations"]

    completed = _run([command, "example", "starter-300"], cwd=tmp_path, env=env)  # the installed examples
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == (ROOT / "examples" / "starter-300.yaml").read_text(encoding="utf-8")
    assert plan["generator"]["version"] == _project_version(), "the installed package reports its own version"

    completed = _run([command, "rules", "validate"], cwd=tmp_path, env=env)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("OK: ")
    assert str(venv.resolve()) in completed.stdout, f"validated a pack outside the venv: {completed.stdout}"

    completed = _run([command, "--version"], cwd=tmp_path, env=env)
    assert completed.stdout == f"creator-advisor, version {_project_version()}\n"


def test_the_venv_imports_the_installed_package_not_the_checkout(venv, tmp_path):
    completed = _run([venv / "bin" / "python", "-c",
                      "import advisor, engine, advisor.api as api; "
                      "print(advisor.__file__); print(engine.__file__); print(api.default_rules_dir())"],
                     cwd=tmp_path, env=_clean_env())
    assert completed.returncode == 0, completed.stderr
    inside = str(venv.resolve())
    for line in completed.stdout.splitlines():
        assert str(Path(line).resolve()).startswith(inside), f"{line} is not inside the new venv {inside}"
        assert not str(Path(line).resolve()).startswith(str(ROOT)), f"{line} comes from the checkout"
