"""Each benchmark owns one section of bench/README.md and rewrites only that section."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parent / "README.md"
HEADER = """# Benchmarks

Each section is written by the script it names; run the script again to refresh it, or
`python bench/run_all.py` to refresh them all. Numbers are medians measured on the machine named in the section,
all figures of one table in the same run.
"""


def replace_section(name: str, title: str, body: str) -> None:
    text = README.read_text(encoding="utf-8") if README.exists() else HEADER
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    section = f"{begin}\n## {title}\n\n{body}\n{end}"
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.DOTALL)
    text = pattern.sub(lambda _: section, text) if pattern.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
    README.write_text(text, encoding="utf-8")
