"""Limits: peak memory of `set` on a 50,000-line file, how long each bad file takes to be refused, and what each
case of the hostile-input corpus costs.

    python bench/bench_limits.py           # writes its sections of bench/README.md
    python bench/bench_limits.py --quick   # prints only

Targets (issue "Hardening and measurement"): `clearml-cfg set` on the 50,000-line file peaks under 150 MB of
resident memory; every file of the bad-input corpus (tests/data/bad/, plus a 20 MB file and 10,000-deep nesting,
made here) is refused with exit 3 and its file:line:col within 2 s. Issue "Hardening round 2": every case of the
hostile-input corpus (tests/corpus.py: devices, FIFOs, includes, expansion bombs, alias bombs, huge lines, deep
keys, 500,000 keys, long values to mask, 2,000 dotted keys) ends with its clear error (or its result) in under
2 s and under 200 MB. Each command runs in a process of its own; its peak resident set comes from wait4(2), so
the figure is the command's alone; one that runs past 30 s is killed and reported.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from bench_hocon import generate
from bench_readme import replace_section
from corpus import CASES, expected, prepare

REPO = Path(__file__).resolve().parents[1]
BAD = REPO / "tests" / "data" / "bad"
MEASURE = Path(__file__).resolve().parent / "measure.py"
MEMORY_TARGET_MB = 150.0
REFUSAL_TARGET_S = 2.0
HOSTILE_TIME_S = 2.0
HOSTILE_MEMORY_MB = 200.0
KILL_AFTER_S = 30.0


def run_measured(args: list[str], env: dict[str, str], stdin: bytes = b"") -> tuple[int, float, float, str]:
    """Exit code, wall seconds, peak resident MB and stderr of one process (``stdin`` is its standard input).

    The command is started by bench/measure.py, a small process, so that its peak memory is its own (see there).
    A command still running after KILL_AFTER_S is killed (its exit code is then -9)."""
    with tempfile.NamedTemporaryFile(prefix="measure-", suffix=".txt") as report:
        process = subprocess.Popen(
            [sys.executable, str(MEASURE), report.name, "--", *args],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        assert process.stdin is not None and process.stderr is not None
        killer = threading.Timer(KILL_AFTER_S, lambda: os.killpg(process.pid, signal.SIGKILL))
        killer.start()
        errors: list[bytes] = []
        reader = threading.Thread(target=lambda: errors.append(process.stderr.read()))  # type: ignore[union-attr]
        reader.start()
        with contextlib.suppress(BrokenPipeError):  # it stopped reading: a refusal of what it was sent
            process.stdin.write(stdin)
        with contextlib.suppress(BrokenPipeError):
            process.stdin.close()
        reader.join()
        process.wait()
        killer.cancel()
        status, elapsed, peak = Path(report.name).read_text().split() or ("-9", str(KILL_AFTER_S), "0")
    err = b"".join(errors).decode("utf-8", "replace")
    return os.waitstatus_to_exitcode(int(status)), float(elapsed), int(peak) / 1024, err  # ru_maxrss: KiB


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
    hostile = hostile_section(command, env, runs)
    print(hostile)
    if not args.quick:
        replace_section("limits", "Memory and bad input", body)
        replace_section("hostile", "Hostile input", hostile)


def hostile_section(command: list[str], base: dict[str, str], runs: int) -> str:
    """Every case of tests/corpus.py: exit code, the first line of its message checked, time and peak memory."""
    rows, slowest, largest, failures = [], 0.0, 0.0, []
    for case in CASES:
        times, peaks = [], []
        for _ in range(runs):
            with tempfile.TemporaryDirectory() as scratch_name:
                scratch = Path(scratch_name)
                config = scratch / "config"
                arguments = prepare(case, config, scratch)
                env = {**base, **case.env, "CLEARML_CONFIG_DIR": str(config)}
                code, elapsed, peak, err = run_measured([*command, *arguments], env, case.stdin)
                first = (err.splitlines() or [""])[0]
                if code != case.code or first != expected(case, config, scratch):
                    failures.append(f"{case.name}: exit {code}, {first[:200]!r}")
            times.append(elapsed)
            peaks.append(peak)
        median, peak = statistics.median(times), max(peaks)
        slowest, largest = max(slowest, median), max(largest, peak)
        met = median < HOSTILE_TIME_S and peak < HOSTILE_MEMORY_MB
        rows.append(
            f"| {case.name} | `{' '.join(_short(a) for a in case.args)}` | {case.code} | {median * 1000:,.0f} ms | "
            f"{peak:.0f} MB | {'yes' if met else 'NO'} |"
        )
    if failures:
        raise SystemExit("hostile input not handled as expected:\n" + "\n".join(failures))
    return "\n".join(
        [
            f"Command: `python bench/bench_limits.py` (medians of {runs} runs, the largest peak; each a process of "
            "its own). The cases are tests/corpus.py, whose test checks the same exit codes and messages.",
            f"Machine: {platform.machine()}, Python {platform.python_version()}, {platform.system()}.",
            "",
            "| case | command | exit | time | peak memory | within 2 s and 200 MB |",
            "| --- | --- | ---: | ---: | ---: | --- |",
            *rows,
            "",
            f"- Slowest case: **{slowest:.2f} s** (target < {HOSTILE_TIME_S:.0f} s); "
            f"largest peak: **{largest:.0f} MB** (target < {HOSTILE_MEMORY_MB:.0f} MB): "
            f"{'met' if slowest < HOSTILE_TIME_S and largest < HOSTILE_MEMORY_MB else 'NOT met'}.",
        ]
    )


def _short(argument: str) -> str:
    """An argument as the table shows it: scratch paths and long values shortened."""
    if "/" in argument and ("{scratch}" in argument or argument.startswith("/tmp")):
        return Path(argument).name
    return argument if len(argument) <= 40 else argument[:37] + "..."


if __name__ == "__main__":
    main()
