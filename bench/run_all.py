"""Regenerate every section of bench/README.md, one benchmark after the other.

    python bench/run_all.py           # about six minutes on 2 cores
    python bench/run_all.py --quick   # fewer runs, prints only

Run it on an otherwise idle machine: the figures are medians, but a busy machine still moves them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCHMARKS = ("bench_hocon.py", "bench_cli.py", "bench_users.py", "bench_limits.py", "bench_big.py", "bench_speed.py")


def main() -> None:
    here = Path(__file__).resolve().parent
    extra = sys.argv[1:]
    for name in BENCHMARKS:
        print(f"== {name}", flush=True)
        result = subprocess.run([sys.executable, str(here / name), *extra], check=False)
        if result.returncode != 0:
            raise SystemExit(f"{name} failed with exit {result.returncode}")


if __name__ == "__main__":
    main()
