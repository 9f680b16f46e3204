"""The wheel: it builds, installs into a clean place, and its ``caseledger`` command works from
there, with the migrations and the example set-up read from inside the installed package.

The command runs with only the installed wheel and the project virtualenv's site-packages (for
the dependencies) on the path, from a directory outside the checkout, and without ``site``
processing, so that the checkout (installed in that virtualenv in development mode) cannot be
what runs."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).parents[2]
#: Not part of the source: caches, environments, databases and build output.
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv", ".pg", "build", "dist", "*.egg-info", "__pycache__",
                                    ".*_cache", ".hypothesis", "caseledger-data", "demo-out",
                                    "test-artifacts")

#: Runs the wheel's ``caseledger`` console script with ``sys.path`` set to the given folders.
RUN_THE_COMMAND = """
import sys
sys.path[:0] = sys.argv[1:3]
from importlib.metadata import distribution
(script,) = [e for e in distribution("caseledger").entry_points
             if e.group == "console_scripts" and e.name == "caseledger"]
run = script.load()
print(sys.modules[run.__module__].__file__, file=sys.stderr)
sys.argv = ["caseledger", *sys.argv[3:]]
run()
"""


def test_the_wheel_installs_and_its_command_runs_from_the_installed_package(tmp_path: Path) -> None:
    source, dist, installed, elsewhere = (tmp_path / name for name in ("src", "dist", "site", "work"))
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)  # so the build writes nothing into the checkout
    elsewhere.mkdir()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    subprocess.run([*pip, "wheel", "--no-deps", "--no-build-isolation", "-w", str(dist), str(source)],
                   check=True, capture_output=True, timeout=120)
    (wheel,) = dist.glob("caseledger-*.whl")
    subprocess.run([*pip, "install", "--no-deps", "--target", str(installed), str(wheel)],
                   check=True, capture_output=True, timeout=120)
    dependencies = sysconfig.get_path("purelib")

    def caseledger(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-I", "-S", "-c", RUN_THE_COMMAND, str(installed), dependencies, *args],
            cwd=elsewhere, env={"CASELEDGER_DATA_DIR": str(elsewhere / "data"), "CASELEDGER_ACTOR": "admin"},
            capture_output=True, text=True, timeout=120, check=False)

    helped = caseledger("--help")
    imported = Path(helped.stderr.splitlines()[0])
    database = elsewhere / "data" / "caseledger.db"
    imported_setup = caseledger("--database", f"sqlite:///{database}", "partnership", "import",
                                "--example", "cumbria", "--json")

    assert helped.returncode == 0, helped.stderr
    assert imported.is_relative_to(installed)
    assert "partnership" in helped.stdout
    assert imported_setup.returncode == 0, imported_setup.stderr
    assert json.loads(imported_setup.stdout)["partnerships"] == 2
    listed = caseledger("--database", f"sqlite:///{database}", "partnership", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [p["slug"] for p in json.loads(listed.stdout)["partnerships"]] == ["cumberland", "westmorland-furness"]
