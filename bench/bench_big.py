"""Commands on a 50,000-line apiserver.conf: time and peak resident memory of get, set and add-user.

    python bench/bench_big.py           # writes its section of bench/README.md
    python bench/bench_big.py --quick   # prints only

Each command runs in a process of its own; its peak resident set comes from wait4(2), so the figure is the
command's alone. `add-user` uses bcrypt cost 4 (about 1 ms), so that the figure is the tool's own work on the
file. Targets (speed issue): `set` <= 1.3x `get` on the same file, and peak RSS <= 90 MB.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_hocon import generate
from bench_limits import run_measured
from bench_readme import replace_section

LINES = 50_000


def measure(
    command: list[str], args: list[str], env: dict[str, str], runs: int, stdin: bytes = b""
) -> tuple[float, float]:
    """Median wall seconds and median peak MB of ``runs`` runs (each must exit 0)."""
    seconds, memory = [], []
    for _ in range(runs):
        code, elapsed, peak, err = run_measured([*command, *args], env, stdin)
        if code != 0:
            raise SystemExit(f"{' '.join(args)} failed (exit {code}): {err}")
        seconds.append(elapsed)
        memory.append(peak)
    return statistics.median(seconds), statistics.median(memory)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer runs; print, do not write README")
    args = parser.parse_args()
    runs = 3 if args.quick else 5

    executable = shutil.which("clearml-cfg", path=os.path.dirname(sys.executable)) or shutil.which("clearml-cfg")
    command = [executable] if executable else [sys.executable, "-m", "clearml_cfg"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("CLEARML")}
    load = os.getloadavg()[0]

    with tempfile.TemporaryDirectory() as scratch_name:
        config = Path(scratch_name) / "config"
        config.mkdir()
        env["CLEARML_CONFIG_DIR"] = str(config)
        target = config / "apiserver.conf"
        target.write_text(generate(LINES), encoding="utf-8")
        lines = target.read_text(encoding="utf-8").count("\n")
        results: dict[str, tuple[float, float]] = {}
        results["get"] = measure(command, ["get", "apiserver.service_1.threshold_sec"], env, runs)
        set_runs = []
        for run in range(runs):  # a new value each run, so that every run writes
            set_runs.append(
                measure(
                    command, ["set", "apiserver.service_1.threshold_sec", str(600 + run), "-q", "--no-backup"], env, 1
                )
            )
        results["set"] = (statistics.median(s for s, _ in set_runs), statistics.median(m for _, m in set_runs))
        add_runs = []
        for run in range(runs):  # a new user each run
            add_runs.append(
                measure(
                    command,
                    ["add-user", f"user{run}", "--password-stdin", "--rounds", "4", "-q", "--no-backup"],
                    env,
                    1,
                    stdin=b"a-password-of-sorts\n",
                )
            )
        results["add-user"] = (statistics.median(s for s, _ in add_runs), statistics.median(m for _, m in add_runs))

    get_seconds = results["get"][0]
    rows = [
        f"| `{name}` | {seconds * 1000:,.0f} ms | {seconds / get_seconds:.2f}x | {peak:.1f} MB |"
        for name, (seconds, peak) in results.items()
    ]
    set_ratio = results["set"][0] / get_seconds
    set_peak = results["set"][1]
    body = "\n".join(
        [
            f"Command: `python bench/bench_big.py` (medians of {runs}, each command a process of its own, peak "
            "resident memory from wait4; `add-user --rounds 4`, a new user each run).",
            f"Machine: {platform.machine()}, Python {platform.python_version()}, {platform.system()}; "
            f"load average {load:.2f} at the start; file: a {lines:,}-line apiserver.conf.",
            "",
            "| command | median | vs get | peak RSS |",
            "| --- | ---: | ---: | ---: |",
            *rows,
            "",
            f"- `set` / `get`: **{set_ratio:.2f}x** (target <= 1.3x): {'met' if set_ratio <= 1.3 else 'NOT met'}; "
            f"`set` peak RSS **{set_peak:.1f} MB** (target <= 90 MB): {'met' if set_peak <= 90 else 'NOT met'}.",
        ]
    )
    print(body)
    if not args.quick:
        replace_section("big", "Commands on a 50,000-line file", body)


if __name__ == "__main__":
    main()
