"""The package's design, checked: layers import one way, no import cycles, messages are never parsed back."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys

import pytest
from helpers import REPO

PACKAGE = REPO / "clearml_cfg"


@pytest.mark.skipif(importlib.util.find_spec("importlinter") is None, reason="import-linter is not installed")
def test_the_layers_contract_is_kept() -> None:
    """cli -> console -> features -> views -> io -> model -> errors -> hocon, never the other way
    (the contract is in pyproject.toml)."""
    executable = shutil.which("lint-imports", path=str(REPO / ".." / "bin")) or shutil.which("lint-imports")
    command = [executable] if executable else [sys.executable, "-m", "importlinter.cli"]
    result = subprocess.run([*command, "--no-cache"], cwd=REPO, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.skipif(importlib.util.find_spec("grimp") is None, reason="grimp (import-linter's graph) is not installed")
def test_no_module_imports_itself_through_others() -> None:
    import grimp

    graph = grimp.build_graph("clearml_cfg")
    cycles = []
    for module in sorted(graph.modules):
        for imported in graph.find_modules_directly_imported_by(module):
            if imported == module or imported.startswith(module + ".") or module.startswith(imported + "."):
                continue  # a package and its own modules
            chain = graph.find_shortest_chain(importer=imported, imported=module, as_packages=False)
            if chain:
                cycles.append(" -> ".join((module, *chain)))
    assert not cycles, "\n".join(cycles)


def test_no_code_reads_words_out_of_a_message() -> None:
    """Errors and messages carry what code needs as attributes (a code, a place, a hint, a subclass): testing for
    words inside their text breaks the day the wording changes."""
    pattern = re.compile(r"""["'][^"']*["']\s+(?:not\s+)?in\s+(?:str\(|\w+\.message\b)|\.partition\(["']\\nhint""")
    found = [
        f"{path.relative_to(REPO)}:{number}: {line.strip()}"
        for path in sorted(PACKAGE.rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if pattern.search(line) or " in str(" in line
    ]
    assert not found, "\n".join(found)


def test_the_tests_mirror_the_package() -> None:
    """Unit tests of clearml_cfg/X/ live in tests/X/ (tests/cli/ runs the real command). Test files need unique
    names across the tree: pytest imports them by name, as the directories are not packages."""
    tests = REPO / "tests"
    directories = [
        path.relative_to(tests)
        for path in tests.rglob("*")
        if path.is_dir()
        and not any(part.startswith((".", "__")) or part == "data" for part in path.relative_to(tests).parts)
    ]
    assert [d for d in directories if not (PACKAGE / d).is_dir()] == []
    names = [path.name for path in tests.rglob("test_*.py")]
    assert sorted({n for n in names if names.count(n) > 1}) == []
    # at the top: the tests of the package's own top-level modules, and what checks the project as a whole
    top = {f"test_{path.stem}.py" for path in PACKAGE.glob("*.py")}
    whole = {"test_architecture.py", "test_docs.py", "test_quality.py"}
    assert sorted(p.name for p in tests.glob("test_*.py") if p.name not in top | whole) == []
