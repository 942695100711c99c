"""Wall time of `clearml-cfg add-user` at cost 12, next to bcrypt's own hashing time at cost 12 (medians of 5, one run).

    python bench/bench_users.py           # writes its section of bench/README.md
    python bench/bench_users.py --quick   # prints only

Target (issue "Web login users"): add-user takes at most bcrypt's time plus 100 ms; whatever the command adds to
the hash (start-up, reading and verifying the file, the atomic write) must stay small next to it. The two are
measured alternately so that a change in the machine's load hits both. Bytecode cache warm, as on a user's machine.
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

import bcrypt

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_readme import replace_section

REPO = Path(__file__).resolve().parents[1]
REFERENCE = Path(os.environ.get("CLEARML_CFG_REFERENCE", REPO.parent / "shared" / "reference"))
ROUNDS = 12
TARGET_MS = 100.0


def bcrypt_ms() -> float:
    started = time.perf_counter()
    bcrypt.hashpw(b"correct horse battery staple", bcrypt.gensalt(ROUNDS))
    return (time.perf_counter() - started) * 1000


def add_user_ms(command: list[str], name: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    result = subprocess.run(
        [*command, "add-user", name, "--password-stdin", "--rounds", str(ROUNDS), "--quiet"],
        input=b"correct horse battery staple\n",
        env=env,
        capture_output=True,
        check=False,
    )
    elapsed = (time.perf_counter() - started) * 1000
    if result.returncode != 0:
        raise SystemExit(f"add-user failed: {result.stderr.decode()}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="print only")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    executable = shutil.which("clearml-cfg", path=os.path.dirname(sys.executable)) or shutil.which("clearml-cfg")
    command = [executable] if executable else [sys.executable, "-m", "clearml_cfg"]
    source = REFERENCE / "clearml-server" / "apiserver" / "config" / "default" / "apiserver.conf"
    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "config"
        config.mkdir()
        text = source.read_text(encoding="utf-8") if source.is_file() else "# apiserver.conf\n"
        (config / "apiserver.conf").write_text(text, encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["CLEARML_CONFIG_DIR"] = str(config)
        add_user_ms(command, "warm-up", env)  # bytecode cache, and the file in hashed mode from here on
        bcrypt_ms()
        hashing, adding = [], []
        for run in range(args.runs):
            hashing.append(bcrypt_ms())
            adding.append(add_user_ms(command, f"user{run}", env))
    hash_median, add_median = statistics.median(hashing), statistics.median(adding)
    overhead = add_median - hash_median
    body = "\n".join(
        [
            f"Command: `python bench/bench_users.py` (medians of {args.runs}, measured alternately in one run; "
            f"`add-user NAME --password-stdin --rounds {ROUNDS} --quiet`, a new user each run, bytecode cache warm).",
            f"Machine: {platform.machine()}, Python {platform.python_version()}, {platform.system()}, "
            f"bcrypt {bcrypt.__version__}; file: the reference apiserver.conf "
            f"({'present' if source.is_file() else 'absent: a one-line stand-in'}).",
            "",
            "| what | median |",
            "| --- | ---: |",
            f"| `bcrypt.hashpw(pw, gensalt({ROUNDS}))` in-process | {hash_median:.1f} ms |",
            f"| `clearml-cfg add-user` (a process of its own) | {add_median:.1f} ms |",
            f"| difference | {overhead:.1f} ms |",
            "",
            f"- add-user minus bcrypt: **{overhead:.1f} ms** (target <= {TARGET_MS:.0f} ms): "
            f"{'met' if overhead <= TARGET_MS else 'NOT met'}.",
        ]
    )
    print(body)
    if not args.quick:
        replace_section("users", "add-user against bcrypt", body)


if __name__ == "__main__":
    main()
