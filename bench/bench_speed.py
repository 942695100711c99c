"""Every command next to its floor (speed issue, round 2), before and after, measured in one run.

    python bench/bench_speed.py                 # writes its section of bench/README.md (about 3 minutes)
    python bench/bench_speed.py --quick         # fewer runs; prints only
    python bench/bench_speed.py --before REV    # what "before" is (default: the commit the round started from)

"Before" is the source of REV, unpacked from git into a temporary directory; "after" is this checkout. Both run
from source in this virtual environment in the same way, so that only the code differs. The processes of one
comparison run in turns (baseline, before, after, baseline, ...), and each figure is a median. Command times are
CPU times (user + system, from wait4), which another process on the machine disturbs less than wall time;
add-user is wall time, as its bcrypt hash runs in a thread beside the rest of the command. The sixteen files are
the server's own default folder copied as a config directory (for export --format helm without secure.conf,
which it refuses: the chart would put the server's secrets into a ConfigMap); the 50,000-line file is
bench_hocon.generate.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_hocon import generate
from bench_readme import replace_section

REPO = Path(__file__).resolve().parents[1]
REFERENCE = Path(os.environ.get("CLEARML_CFG_REFERENCE", REPO.parent / "shared" / "reference"))
DEFAULTS = REFERENCE / "clearml-server" / "apiserver" / "config" / "default"
BEFORE = "95e55d4"  # the last commit before this round
MAIN = "import sys; from clearml_cfg.cli import main; sys.exit(main())"
SERVER_LOAD = (
    "import pathlib, sys\n"
    "from pyhocon import ConfigFactory\n"
    "for f in sorted(pathlib.Path(sys.argv[1]).rglob('*.conf')): ConfigFactory.parse_file(str(f))\n"
)
PARSING = """
import json, statistics, sys, time
from clearml_cfg.hocon import parse

small, large = (open(name, encoding="utf-8").read() for name in sys.argv[1:3])

def timed(action):
    started = time.process_time()
    action()
    return time.process_time() - started

ours, theirs = [], []
for _ in range(5):  # in turns, so that a change in the machine's load hits both
    ours.append(timed(lambda: parse(small).to_dict()))
    if sys.argv[3] == "pyhocon":
        from pyhocon import ConfigFactory
        theirs.append(timed(lambda: ConfigFactory.parse_string(small)))
whole = [timed(lambda: parse(large).to_dict()) for _ in range(3)]
result = {"5000": statistics.median(ours), "50000": statistics.median(whole)}
if theirs:
    result["pyhocon"] = statistics.median(theirs)
print(json.dumps(result))
"""


CRITICAL_PATH = """
import json, sys, threading, time
import bcrypt
clock = time.pthread_getcpuclockid(threading.main_thread().ident)
marks = {}
hashpw = bcrypt.hashpw

def timed(password, salt):
    marks["pre"] = time.process_time()  # every thread so far: all that runs before the hash
    try:
        return hashpw(password, salt)
    finally:
        marks["after"] = time.clock_gettime(clock)  # the main thread, when the hash is done

bcrypt.hashpw = timed
from clearml_cfg.cli import main
code = main(sys.argv[2:])
marks["post"] = time.thread_time() - marks.pop("after")
with open(sys.argv[1], "w") as out:
    json.dump(marks, out)
sys.exit(code)
"""


class Run:
    """One process: CPU seconds, wall seconds, peak resident MB. It runs in a directory of its own: Python puts
    the working directory first on its path, which must not hold a clearml_cfg."""

    def __init__(self, args: list[str], env: dict[str, str], stdin: bytes = b"", allowed: tuple[int, ...] = (0,)):
        started = time.perf_counter()
        process = subprocess.Popen(
            args,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            cwd=tempfile.gettempdir(),
        )
        assert process.stdin is not None and process.stderr is not None
        process.stdin.write(stdin)
        process.stdin.close()
        err = process.stderr.read().decode("utf-8", "replace")
        _, status, usage = os.wait4(process.pid, 0)
        self.wall = time.perf_counter() - started
        self.cpu = usage.ru_utime + usage.ru_stime
        self.rss = usage.ru_maxrss / 1024  # KiB on Linux
        code = os.waitstatus_to_exitcode(status)
        if code not in allowed:
            raise SystemExit(f"{' '.join(args[:6])} ... failed with exit {code}: {err}")


Case = Callable[[int], Run]  # the run number -> one measured process


def in_turns(cases: dict[str, Case], runs: int) -> dict[str, list[Run]]:
    """Each case once as a warm-up (bytecode caches), then ``runs`` rounds of all cases in turn."""
    for case in cases.values():
        case(-1)
    results: dict[str, list[Run]] = {label: [] for label in cases}
    for run in range(runs):
        for label, case in cases.items():
            results[label].append(case(run))
    return results


def cpu_ms(runs: list[Run]) -> float:
    return statistics.median(r.cpu for r in runs) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer runs; print, do not write README")
    parser.add_argument("--before", default=BEFORE, help="the git revision to compare with")
    args = parser.parse_args()
    runs = 5 if args.quick else 15
    if not DEFAULTS.is_dir():
        raise SystemExit(f"{DEFAULTS} is missing: the benchmark needs the server's default files")
    load_before = os.getloadavg()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE" and not k.startswith("CLEARML")}
    with tempfile.TemporaryDirectory() as scratch_name:
        scratch = Path(scratch_name)
        before = scratch / "before"
        before.mkdir()
        archive = subprocess.run(["git", "-C", str(REPO), "archive", args.before], capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(before)], input=archive.stdout, check=True)
        trees = {"before": before, "after": REPO}
        rows = measure(trees, scratch, env, runs)
        texts = scratch / "5000.conf", scratch / "50000.conf"
        for path, lines in zip(texts, (5_000, 50_000), strict=True):
            path.write_text(generate(lines), encoding="utf-8")
        parsing = {name: _parsing(tree, texts, env, name == "after") for name, tree in trees.items()}
    load_after = os.getloadavg()
    body = report(rows, parsing, args.before, runs, load_before, load_after)
    print(body)
    if not args.quick:
        replace_section("speed", "Speed round 2: every command next to its floor", body)


def measure(trees: dict[str, Path], scratch: Path, env: dict[str, str], runs: int) -> dict[str, dict[str, float]]:
    """Medians of every measured command, by tree ("baseline" for what belongs to neither)."""
    found: dict[str, dict[str, float]] = {"baseline": {}, "before": {}, "after": {}}
    dirs = {}
    for name in trees:
        full = scratch / name / "full"
        shutil.copytree(DEFAULTS, full)
        big = scratch / name / "big"
        big.mkdir()
        (big / "apiserver.conf").write_text(generate(50_000), encoding="utf-8")
        users = scratch / name / "users"
        users.mkdir()
        shutil.copy(DEFAULTS / "apiserver.conf", users / "apiserver.conf")
        # export --format helm puts the files into a ConfigMap: it refuses secure.conf, the server's secrets
        public = scratch / name / "public"
        shutil.copytree(DEFAULTS, public, ignore=shutil.ignore_patterns("secure.conf"))
        for path in scratch.joinpath(name).rglob("*.conf"):  # the reference files are read-only: a write refuses that
            path.chmod(0o644)
        dirs[name] = (full, big, users, public)

    def tool(name: str, config: Path, *arguments: str, stdin: bytes = b"", allowed: tuple[int, ...] = (0,)) -> Case:
        """clearml-cfg of tree ``name`` on ``config``; ``{run}`` in an argument is the run's number (from 0, the
        warm-up), so that a command that writes writes something new each time."""
        tree_env = {**env, "PYTHONPATH": str(trees[name]), "CLEARML_CONFIG_DIR": str(config)}

        def case(run: int) -> Run:
            given = [a.format(run=run + 1) for a in arguments]
            return Run([sys.executable, "-c", MAIN, *given], tree_env, stdin, allowed)

        return case

    typer: Case = lambda run: Run([sys.executable, "-c", "import typer"], env)  # noqa: E731
    # get and --version next to `import typer`
    cases: dict[str, Case] = {"typer": typer}
    for name in trees:
        cases[f"{name} get"] = tool(name, dirs[name][0], "get", "apiserver.auth.cookies.domain")
        cases[f"{name} version"] = tool(name, dirs[name][0], "--version")
    timed = in_turns(cases, runs)
    found["baseline"]["typer"] = cpu_ms(timed["typer"])
    for name in trees:
        found[name]["get"] = cpu_ms(timed[f"{name} get"])
        found[name]["version"] = cpu_ms(timed[f"{name} version"])

    # the effective view, export and check next to the server's own load of the same files
    cases = {"server": lambda run: Run([sys.executable, "-c", SERVER_LOAD, str(dirs["after"][0])], env)}
    for name in trees:
        full = dirs[name][0]
        cases[f"{name} show"] = tool(name, full, "show", "--effective", "--json")
        cases[f"{name} check"] = tool(name, full, "check", "--json", allowed=(0, 1))
        cases[f"{name} public show"] = tool(name, dirs[name][3], "show", "--effective", "--json")
        cases[f"{name} helm"] = tool(name, dirs[name][3], "export", "--format", "helm")
    timed = in_turns(cases, max(3, runs // 2))
    found["baseline"]["server"] = cpu_ms(timed["server"])
    for name in trees:
        for what in ("show", "helm", "check", "public show"):
            found[name][what] = cpu_ms(timed[f"{name} {what}"])

    # get and set on the 50,000-line file: a new value each run, so that every run writes
    cases = {}
    for name in trees:
        big = dirs[name][1]
        key = "apiserver.service_1.threshold_sec"
        cases[f"{name} big get"] = tool(name, big, "get", key)
        cases[f"{name} big set"] = tool(name, big, "set", key, "6{run}", "-q", "--no-backup")
    timed = in_turns(cases, max(3, runs // 3))
    for name in trees:
        found[name]["big get"] = cpu_ms(timed[f"{name} big get"])
        found[name]["big set"] = cpu_ms(timed[f"{name} big set"])
        found[name]["big set rss"] = statistics.median(r.rss for r in timed[f"{name} big set"])

    # add-user at bcrypt cost 12, next to bcrypt's own hash in this process (wall time)
    import bcrypt

    def hashing() -> float:
        started = time.perf_counter()
        bcrypt.hashpw(b"correct horse battery staple", bcrypt.gensalt(12))
        return time.perf_counter() - started

    password = b"correct horse battery staple\n"
    adding = "add-user", "user{run}", "--password-stdin", "--rounds", "12", "--quiet"
    cases = {name: tool(name, dirs[name][2], *adding, stdin=password) for name in trees}
    hashes: list[float] = []
    adds: dict[str, list[float]] = {name: [] for name in trees}
    for run in range(-1, max(5, runs // 2)):
        for name, case in cases.items():
            added = case(run)
            if run >= 0:
                adds[name].append(added.wall)
        hashes.append(hashing())
    found["baseline"]["bcrypt"] = statistics.median(hashes[1:]) * 1000
    for name in trees:
        found[name]["add-user"] = statistics.median(adds[name]) * 1000

    # the same in CPU time, which the machine's load moves less: all the work before the hash starts, and the
    # main thread's after it ends (the exit of the interpreter not counted)
    for name in trees:
        paths: list[dict[str, float]] = []
        marks = scratch / name / "marks.json"
        for run in range(max(5, runs // 2)):
            Run(
                [sys.executable, "-c", CRITICAL_PATH, str(marks), *[a.format(run=f"c{run}") for a in adding]],
                {**env, "PYTHONPATH": str(trees[name]), "CLEARML_CONFIG_DIR": str(dirs[name][2])},
                password,
            )
            paths.append(json.loads(marks.read_text()))
        found[name]["pre"] = statistics.median(p["pre"] for p in paths) * 1000
        found[name]["post"] = statistics.median(p["post"] for p in paths) * 1000
    return found


def _parsing(tree: Path, texts: tuple[Path, Path], env: dict[str, str], with_pyhocon: bool) -> dict[str, float]:
    result = subprocess.run(
        [sys.executable, "-c", PARSING, *map(str, texts), "pyhocon" if with_pyhocon else "-"],
        env={**env, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
        check=True,
        cwd=tempfile.gettempdir(),
    )
    return {key: value * 1000 for key, value in json.loads(result.stdout).items()}


def report(
    found: dict[str, dict[str, float]],
    parsing: dict[str, dict[str, float]],
    revision: str,
    runs: int,
    load_before: tuple[float, float, float],
    load_after: tuple[float, float, float],
) -> str:
    typer, server, bcrypt_ms = found["baseline"]["typer"], found["baseline"]["server"], found["baseline"]["bcrypt"]
    pyhocon = parsing["after"]["pyhocon"]

    def rows_for(name: str) -> dict[str, tuple[float, str]]:
        f, p = found[name], parsing[name]
        return {
            "get": (f["get"] / typer, f"{f['get']:.0f} ms"),
            "version": (f["version"] / typer, f"{f['version']:.0f} ms"),
            "set": (f["big set"] / f["big get"], f"{f['big set']:,.0f} / {f['big get']:,.0f} ms"),
            "rss": (f["big set rss"], f"{f['big set rss']:.0f} MB"),
            "helm": (f["helm"] / f["public show"], f"{f['helm']:.0f} / {f['public show']:.0f} ms"),
            "check": (f["check"] / f["show"], f"{f['check']:.0f} / {f['show']:.0f} ms"),
            "show": (f["show"] / server, f"{f['show']:.0f} / {server:.0f} ms"),
            "add-user": (f["add-user"] - bcrypt_ms, f"{f['add-user']:.0f} - {bcrypt_ms:.0f} ms"),
            "parse": (pyhocon / p["5000"], f"{pyhocon:,.0f} / {p['5000']:.1f} ms"),
            "linear": (p["50000"] / p["5000"], f"{p['50000']:,.0f} / {p['5000']:.1f} ms"),
        }

    targets: list[tuple[str, str, str, float, bool]] = [  # key, what, unit, target, at most
        ("get", '`get` on the 16 default files / `python -c "import typer"`', "x", 1.1, True),
        ("version", '`--version` / `python -c "import typer"`', "x", 1.0, True),
        ("set", "`set` / `get` on a 50,000-line file", "x", 1.3, True),
        ("rss", "`set` on a 50,000-line file: peak resident memory", " MB", 90, True),
        ("helm", "`export --format helm` / `show --effective`, the 15 files but secure.conf", "x", 1.5, True),
        ("check", "`check` / `show --effective`", "x", 1.2, True),
        ("show", "`show --effective` / the server's own load of the 16 files", "x", 1.2, True),
        ("add-user", "`add-user` at bcrypt cost 12 minus bcrypt", " ms", 60, True),
        ("parse", "pyhocon `parse_string` / our `to_dict`, 5,000 lines", "x", 30, False),
        ("linear", "our `to_dict`: 50,000 lines / 5,000 lines", "x", 12, True),
    ]
    before, after = rows_for("before"), rows_for("after")
    lines = [
        "| what | target | before | after | met |",
        "| --- | ---: | ---: | ---: | :---: |",
    ]
    for key, what, unit, target, at_most in targets:
        sign = "<=" if at_most else ">="
        met = after[key][0] <= target if at_most else after[key][0] >= target
        cells = [f"{sign} {target:g}{unit}"]
        for side in (before, after):
            value, detail = side[key]
            shown = f"{value:.2f}{unit}" if unit == "x" else f"{value:.0f}{unit}"
            cells.append(f"{shown} ({detail})")
        lines.append(f"| {what} | {' | '.join(cells)} | {'yes' if met else '**no**'} |")
    critical = ", ".join(
        f"{name} {found[name]['pre']:.0f} ms before the hash starts + {found[name]['post']:.0f} ms after it ends"
        for name in ("before", "after")
    )
    floors = (
        f'Floors in the same run: `python -c "import typer"` {typer:.0f} ms; the server\'s load (a process that '
        f"imports pyhocon and parses the 16 files) {server:.0f} ms; bcrypt cost 12 in-process {bcrypt_ms:.0f} ms; "
        f"pyhocon `parse_string` on 5,000 lines {pyhocon:,.0f} ms."
    )
    return "\n".join(
        [
            f"Command: `python bench/bench_speed.py` (before: `{revision}`, after: this checkout; command times are "
            f"CPU-time medians of {runs} runs in turns, fewer for the slow ones; add-user is wall time).",
            f"Machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"{platform.system()}; load average {load_before[0]:.2f} at the start, {load_after[0]:.2f} at the end "
            "(other work on the machine moves every figure; the ratios, taken in turns, move less).",
            "",
            *lines,
            "",
            floors,
            "",
            f"add-user's work on its critical path in CPU time (process start included, exit not): {critical}.",
        ]
    )


if __name__ == "__main__":
    main()
