"""Limits: peak memory of `set` on a 50,000-line file, and how long each bad input takes to be refused.

    python bench/bench_limits.py           # writes its section of bench/README.md
    python bench/bench_limits.py --quick   # prints only

Targets (issue "Hardening and measurement"): `clearml-cfg set` on the 50,000-line file peaks under 150 MB of
resident memory; every file of the bad-input corpus (tests/data/bad/, plus a 20 MB file and 10,000-deep nesting,
made here) is refused with exit 3 and its file:line:col within 2 s. Each command runs in a process of its own;
its peak resident set comes from wait4(2), so the figure is the command's alone.
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

from bench_hocon import generate
from bench_readme import replace_section

REPO = Path(__file__).resolve().parents[1]
BAD = REPO / "tests" / "data" / "bad"
MEMORY_TARGET_MB = 150.0
REFUSAL_TARGET_S = 2.0


def run_measured(args: list[str], env: dict[str, str], stdin: bytes = b"") -> tuple[int, float, float, str]:
    """Exit code, wall seconds, peak resident MB and stderr of one process (``stdin`` is its standard input)."""
    started = time.perf_counter()
    process = subprocess.Popen(args, env=env, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    assert process.stdin is not None and process.stderr is not None
    process.stdin.write(stdin)
    process.stdin.close()
    err = process.stderr.read().decode("utf-8", "replace")
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, elapsed, usage.ru_maxrss / 1024, err  # ru_maxrss is in KiB on Linux


def bad_inputs(scratch: Path) -> list[tuple[str, bytes]]:
    made = [(path.name, path.read_bytes()) for path in sorted(BAD.glob("*.conf"))]
    line = b'key_%07d: "a value that is long enough to make the file large quickly........"\n'
    big = b"".join(line % index for index in range(20 * 1024 * 1024 // len(line % 0) + 1))
    deep = ("a: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n").encode()
    return [*made, ("20 MB of settings", big), ("10,000-deep nesting", deep)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer runs; print, do not write README")
    args = parser.parse_args()
    runs = 3 if args.quick else 5

    executable = shutil.which("clearml-cfg", path=os.path.dirname(sys.executable)) or shutil.which("clearml-cfg")
    command = [executable] if executable else [sys.executable, "-m", "clearml_cfg"]
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("CLEARML")}

    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        config = scratch / "config"
        config.mkdir()
        env["CLEARML_CONFIG_DIR"] = str(config)
        target = config / "apiserver.conf"
        target.write_text(generate(50_000), encoding="utf-8")
        lines = target.read_text(encoding="utf-8").count("\n")
        memory, seconds = [], []
        for run in range(runs):
            value = str(600 + run)  # a new value each run, so that every run writes
            code, elapsed, peak, err = run_measured(
                [*command, "set", "apiserver.service_1.threshold_sec", value, "--quiet", "--no-backup"], env
            )
            if code != 0:
                raise SystemExit(f"set failed: {err}")
            memory.append(peak)
            seconds.append(elapsed)
        peak_mb, set_seconds = statistics.median(memory), statistics.median(seconds)

        rows, slowest = [], 0.0
        for name, data in bad_inputs(scratch):
            target.write_bytes(data)
            times = []
            for _ in range(runs):
                code, elapsed, _, err = run_measured([*command, "get", "apiserver.a"], env)
                located = "apiserver.conf:" in err
                if code != 3 or not located:
                    raise SystemExit(f"{name}: exit {code}, expected 3 with a location: {err}")
                times.append(elapsed)
            median = statistics.median(times)
            slowest = max(slowest, median)
            rows.append(f"| {name} | {len(data):,} | {median * 1000:,.0f} ms |")

    body = "\n".join(
        [
            f"Command: `python bench/bench_limits.py` (medians of {runs}, each command a process of its own, peak "
            "resident memory from wait4).",
            f"Machine: {platform.machine()}, Python {platform.python_version()}, {platform.system()}.",
            "",
            f"`clearml-cfg set apiserver.service_1.threshold_sec N` on a {lines:,}-line apiserver.conf: "
            f"**{peak_mb:.1f} MB** peak resident memory (target < {MEMORY_TARGET_MB:.0f} MB): "
            f"{'met' if peak_mb < MEMORY_TARGET_MB else 'NOT met'}; {set_seconds:.2f} s.",
            "",
            "Bad input, `clearml-cfg get apiserver.a` (each refused with exit 3 and file:line:col):",
            "",
            "| file | bytes | time to refuse |",
            "| --- | ---: | ---: |",
            *rows,
            "",
            f"- Slowest refusal: **{slowest:.2f} s** (target <= {REFUSAL_TARGET_S:.0f} s): "
            f"{'met' if slowest <= REFUSAL_TARGET_S else 'NOT met'}.",
        ]
    )
    print(body)
    if not args.quick:
        replace_section("limits", "Memory and bad input", body)


if __name__ == "__main__":
    main()
