"""Run a command and report its own peak resident memory: `python measure.py OUT -- COMMAND...`.

A process started by a large one (the benchmark, which holds its test files in memory) inherits a peak resident
set at least as large as its parent's (wait4 reports the larger of the two): this small process starts the
command instead, and writes its exit status, wall seconds and peak resident KiB to OUT.
"""

from __future__ import annotations

import os
import sys
import time


def main() -> None:
    out, separator, *command = sys.argv[1:]
    assert separator == "--" and command
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(command[0], command)
        finally:
            os._exit(127)
    _, status, usage = os.wait4(pid, 0)
    elapsed = time.perf_counter() - started
    with open(out, "w") as report:
        report.write(f"{status} {elapsed} {usage.ru_maxrss}\n")


if __name__ == "__main__":
    main()
