"""Parse and edit speed of the lossless HOCON layer against pyhocon, on generated files.

    python bench/bench_hocon.py            # writes the table into bench/README.md
    python bench/bench_hocon.py --quick    # fewer repeats, prints only

Targets (issue "Lossless HOCON document layer"): parsing at least 10x faster than
``pyhocon.ConfigFactory.parse_string(text, resolve=False)`` on the 5,000-line file, and the 50,000-line time
within 12x of the 5,000-line time.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench_readme import replace_section

from clearml_cfg.hocon import parse

SIZES = (500, 5_000, 50_000)

BLOCK = """\
# section {n}: settings of one service
service_{n} {{
    enabled: true   # switched on in production
    threshold_sec: 7200
    url: "https://files.example.com/bucket/{n}/${{id}}"
    hosts: [{{host: "127.0.0.1", port: 92{m:02d}, scheme: http}}]
    retry {{
        max_retries: 3
        backoff: 1.5
        // the gateway is slow at night
        timeout: 60
    }}
    tags: [alpha, beta, "gamma delta"]
    users: [
        {{
            username: "user{n}"
            password: "secret-{n}"
            name: "User {n}"
        }}
    ]
}}

"""


def generate(lines: int) -> str:
    block_lines = BLOCK.count("\n")
    blocks = max(1, lines // block_lines)
    return "".join(BLOCK.format(n=n, m=n % 100) for n in range(blocks))


def median_seconds(action: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def edit(text: str) -> None:
    document = parse(text)
    document.set(("service_1", "threshold_sec"), 600)  # replace a value
    document.set(("service_1", "retry", "jitter"), True)  # insert a key


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true", help="fewer repeats; print, do not write README")
    args = parser.parse_args()

    from pyhocon import ConfigFactory

    rows = []
    results: dict[int, dict[str, float]] = {}
    for size in SIZES:
        text = generate(size)
        real_lines = text.count("\n")
        repeats = 3 if args.quick else (5 if size < 50_000 else 3)
        ours = median_seconds(lambda text=text: parse(text), repeats)
        theirs = median_seconds(
            lambda text=text: ConfigFactory.parse_string(text, resolve=False), 1 if size >= 50_000 else repeats
        )
        edit_time = median_seconds(lambda text=text: edit(text), repeats)
        results[size] = {"ours": ours, "pyhocon": theirs, "edit": edit_time}
        cells = [f"{real_lines:,}", f"{ours * 1000:,.1f} ms", f"{theirs * 1000:,.0f} ms", f"{theirs / ours:,.1f}x"]
        rows.append("| " + " | ".join([*cells, f"{edit_time * 1000:,.1f} ms"]) + " |")
        print(rows[-1], flush=True)

    linear = results[50_000]["ours"] / results[5_000]["ours"]
    speedup = results[5_000]["pyhocon"] / results[5_000]["ours"]
    body = "\n".join(
        [
            "Command: `python bench/bench_hocon.py` (medians; pyhocon on 50,000 lines is timed once).",
            f"Machine: {platform.machine()}, Python {platform.python_version()}, {platform.system()}.",
            "",
            "| lines | our parse | pyhocon parse (resolve=False) | speed-up | our edit (parse + 2 verified edits) |",
            "| ---: | ---: | ---: | ---: | ---: |",
            *rows,
            "",
            f"- Parse speed-up on 5,000 lines: **{speedup:.1f}x** (target >= 10x): "
            f"{'met' if speedup >= 10 else 'NOT met'}.",
            f"- 50,000-line parse / 5,000-line parse: **{linear:.1f}x** (target <= 12x, linear): "
            f"{'met' if linear <= 12 else 'NOT met'}.",
        ]
    )
    print(body)
    if not args.quick:
        replace_section("hocon", "Lossless HOCON layer: parse and edit", body)


if __name__ == "__main__":
    main()
