"""Start-up latency of the command line, next to `python -c "import typer"` and pyhocon's own CLI, medians of 10.

    python bench/bench_cli.py           # writes its sections of bench/README.md
    python bench/bench_cli.py --quick   # prints only

Targets (issues "The clearml-cfg command" and "Hardening and measurement"): `clearml-cfg get` on the reference
apiserver.conf takes at most 1.5x the time of `python -c "import typer"` and at most 0.5x the time of
`pyhocon -i apiserver.conf -f json` on the same file. Everything runs with the bytecode cache warm, as on a user's
machine (PYTHONDONTWRITEBYTECODE, set in some sandboxes, is removed for the measurement).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_readme import replace_section

REPO = Path(__file__).resolve().parents[1]
REFERENCE = Path(os.environ.get("CLEARML_CFG_REFERENCE", REPO.parent / "shared" / "reference"))
FALLBACK = "{\n    auth {\n        cookies {\n            max_age: 99999999999\n        }\n    }\n}\n"


def median_ms(commands: list[list[str]], env: dict[str, str], runs: int, allowed: tuple[int, ...] = (0,)) -> float:
    """Run the commands in turn (one or several that alternate), ``runs`` times after a warm-up run.

    ``allowed``: exit codes that count as a normal run (`check` exits 1 when it finds errors).
    """
    subprocess.run(commands[-1], env=env, capture_output=True, check=False)  # warm-up: caches and bytecode
    times = []
    for run in range(runs):
        started = time.perf_counter()
        result = subprocess.run(commands[run % len(commands)], env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - started)
        if result.returncode not in allowed:
            raise SystemExit(f"{commands[run % len(commands)]} failed: {result.stderr.decode()}")
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="print only")
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()

    executable = shutil.which("clearml-cfg", path=os.path.dirname(sys.executable)) or shutil.which("clearml-cfg")
    command = [executable] if executable else [sys.executable, "-m", "clearml_cfg"]
    source = REFERENCE / "clearml-server" / "apiserver" / "config" / "default" / "apiserver.conf"
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "config"
        config.mkdir()
        text = source.read_text(encoding="utf-8") if source.is_file() else FALLBACK
        (config / "apiserver.conf").write_text(text, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["CLEARML_CONFIG_DIR"] = str(config)
        setting = [*command, "set", "apiserver.auth.cookies.secure"]
        pyhocon_cli = shutil.which("pyhocon", path=os.path.dirname(sys.executable)) or "pyhocon"
        typer_label, get_label, pyhocon_label = (
            'python -c "import typer"',
            "clearml-cfg get apiserver.auth.cookies.max_age",
            "pyhocon -i apiserver.conf -f json",
        )
        cases = [
            (typer_label, [[sys.executable, "-c", "import typer"]]),
            (pyhocon_label, [[pyhocon_cli, "-i", str(config / "apiserver.conf"), "-f", "json"]]),
            (get_label, [[*command, "get", "apiserver.auth.cookies.max_age"]]),
            ("clearml-cfg show apiserver", [[*command, "show", "apiserver"]]),
            ("clearml-cfg set apiserver.auth.cookies.secure true/false", [[*setting, "true"], [*setting, "false"]]),
            ("clearml-cfg show --effective", [[*command, "show", "--effective"]]),
            ("clearml-cfg check", [[*command, "check", "--json"]]),
        ]
        results = {label: median_ms(commands, env, args.runs, allowed=(0, 1)) for label, commands in cases}
    baseline, pyhocon = results[typer_label], results[pyhocon_label]
    rows = [
        f"| `{label}` | {ms:.1f} ms | {ms / baseline:.2f}x | {ms / pyhocon:.2f}x |" for label, ms in results.items()
    ]
    ratio, versus_pyhocon = results[get_label] / baseline, results[get_label] / pyhocon
    body = "\n".join(
        [
            "Command: `python bench/bench_cli.py` (medians of 10, bytecode cache warm; `set` alternates the value "
            "between runs so that every run writes; `check` runs with `--json`).",
            f"Machine: {platform.machine()}, Python {platform.python_version()}, {platform.system()}; "
            f"file: the reference apiserver.conf ({'present' if source.is_file() else 'absent: a small stand-in'}), "
            "alone in the config directory.",
            "",
            "| command | median | vs import typer | vs pyhocon's CLI |",
            "| --- | ---: | ---: | ---: |",
            *rows,
            "",
            f"- `get` / `import typer`: **{ratio:.2f}x** (target <= 1.5x): {'met' if ratio <= 1.5 else 'NOT met'}.",
            f"- `get` / pyhocon's CLI: **{versus_pyhocon:.2f}x** (target <= 0.5x): "
            f"{'met' if versus_pyhocon <= 0.5 else 'NOT met'}.",
        ]
    )
    print(body)
    if not args.quick:
        replace_section("cli", "Command-line latency", body)
    effective_view(command, args)


def effective_view(command: list[str], args: argparse.Namespace) -> None:
    """`show --effective --json --defaults DIR` next to what the server pays to load the same files."""
    defaults = REFERENCE / "clearml-server" / "apiserver" / "config" / "default"
    if not defaults.is_dir():
        print("effective view: ../shared/reference is absent, skipped")
        return
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("CLEARML")}
    with tempfile.TemporaryDirectory() as scratch:
        env["CLEARML_CONFIG_DIR"] = scratch  # an empty config directory: the defaults alone
        load = (
            "import pathlib, sys\n"
            "from pyhocon import ConfigFactory\n"
            "for f in sorted(pathlib.Path(sys.argv[1]).rglob('*.conf')): ConfigFactory.parse_file(str(f))\n"
        )
        server = median_ms([[sys.executable, "-c", load, str(defaults)]], env, args.runs)
        ours = median_ms([[*command, "show", "--effective", "--json", "--defaults", str(defaults)]], env, args.runs)
    in_process = _pyhocon_parse_in_process(defaults)
    ratio = ours / server
    body = "\n".join(
        [
            "Command: `python bench/bench_cli.py` (medians of 10 in one run, bytecode cache warm), on the reference "
            "`apiserver/config/default` folder (16 files) with an empty config directory.",
            "",
            "| what | median |",
            "| --- | ---: |",
            f"| the server's cost: a process that imports pyhocon and parses the 16 files | {server:.0f} ms |",
            f"| `clearml-cfg show --effective --json --defaults DIR` | {ours:.0f} ms |",
            f"| (pyhocon parsing the 16 files inside a running process, import excluded) | {in_process:.0f} ms |",
            "",
            f"- `show --effective` / the server's cost: **{ratio:.2f}x** (target <= 1.2x): "
            f"{'met' if ratio <= 1.2 else 'NOT met'}. The effective values are the server's reading: pyhocon's, "
            "or our own where it reads a file without includes (the tests hold the two equal); our parser also gives "
            "the line numbers for `--origin`.",
        ]
    )
    print(body)
    if not args.quick:
        replace_section("effective", "Effective view", body)


def _pyhocon_parse_in_process(defaults: Path) -> float:
    from pyhocon import ConfigFactory

    files = sorted(defaults.rglob("*.conf"))
    times = []
    for _ in range(5):
        started = time.perf_counter()
        for path in files:
            ConfigFactory.parse_file(str(path))
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


if __name__ == "__main__":
    main()
