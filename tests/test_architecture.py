"""The house's rules, checked: imports run one way along the data path, and the wheel holds the whole package."""
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "course_companion"


def test_imports_run_one_way():
    """The layers contract in pyproject.toml (import-linter): a wrong-way import, even inside a function, fails here."""
    lint = shutil.which("lint-imports")
    if lint is None:
        pytest.fail("lint-imports is missing: pip install -r requirements.txt installs import-linter")
    proc = subprocess.run([lint], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "1 kept, 0 broken" in proc.stdout


def test_no_module_is_long():
    long = {str(p.relative_to(ROOT)): n for p in PACKAGE.rglob("*.py") if (n := len(p.read_text().splitlines())) > 350}
    assert not long, f"modules over 350 lines: {long}"


def test_wheel_holds_every_module_and_data_file(tmp_path):
    """``packages.find`` leaves no subpackage out: every source module and bundled file is in the built wheel."""
    def outside_the_package(folder, names):  # a copy, so that the build writes nothing into the checkout
        skip = {".git", "build", "figures", "lab_output", "docs", "tests"} if Path(folder) == ROOT else set()
        return [n for n in names if n in skip or n == "__pycache__" or n.endswith(".egg-info")]

    build = tmp_path / "build"
    shutil.copytree(ROOT, build, ignore=outside_the_package)
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                           str(tmp_path / "wheel"), str(build)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (wheel,) = (tmp_path / "wheel").glob("course_companion-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert any(name.startswith("course_companion/models/") for name in expected)  # the check sees the subpackages
    assert expected - names == set()
