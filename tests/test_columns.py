"""Tables that never cut a cell: fitted to a width, as records when too narrow, aligned lines for a pipe."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from clearml_cfg.columns import aligned, grid, records, width, widths_for, wrap_cell

ROWS = [
    ["KEY", "VALUE", "ORIGIN"],
    ["services.tasks.non_responsive_tasks_watchdog.threshold_sec", "7200 (2h)", "services.conf:3"],
    ["services.tasks.non_responsive_tasks_watchdog.enabled", "true", "default"],
]


def test_wide_characters_take_two_columns_and_combining_marks_none() -> None:
    assert width("abc") == 3
    assert width("日本") == 4
    assert width("e\u0301") == 1


def test_a_cell_wraps_at_spaces_only() -> None:
    assert wrap_cell("7200 (2h)", 5) == ["7200", "(2h)"]
    assert wrap_cell("a-very-long-word x", 4) == ["a-very-long-word", "x"]
    assert wrap_cell("", 4) == [""]


def test_columns_give_room_down_to_their_longest_word_but_a_key_gives_none() -> None:
    widths = widths_for(ROWS, 84)
    assert widths == [58, 7, 15]  # VALUE gave two columns: it wraps at its space
    assert widths_for(ROWS, 81) is None  # the key and the longest words do not fit: records


def test_a_grid_pads_every_column_but_the_last() -> None:
    lines = [line for block in grid(ROWS, [58, 4, 15]) for line in block]
    assert lines[1] == "services.tasks.non_responsive_tasks_watchdog.threshold_sec  7200  services.conf:3"
    assert lines[2] == " " * 60 + "(2h)"


def test_records_put_the_keys_on_their_own_line() -> None:
    assert records(["", "ORIGIN", "VALUE"], [["*", "default", "a long value"]], 20, keys=2) == [
        ["* default", "  VALUE  a long", "         value"]
    ]


def test_piped_lines_are_aligned_but_not_widened_by_an_outlier() -> None:
    rows = [["KEY", "VALUE", "ORIGIN"], ["a", "x" * 300, "f:1"], ["bb", "1", "f:2"], ["日本", "2", "f:3"]]
    lines = aligned(rows)
    assert lines[2] == "bb    1      f:2"
    assert lines[3] == "日本  2      f:3"
    assert lines[1].startswith("a     " + "x" * 300 + "  f:1")


@given(st.lists(st.lists(st.text(alphabet="ab- .日", max_size=30), min_size=3, max_size=3), min_size=1, max_size=6))
def test_no_word_is_ever_split_or_lost(rows: list[list[str]]) -> None:
    """Whatever the layout, every word of every cell comes out whole, in order, and lines fit when they can."""
    table = [["K", "V", "W"], *rows]
    for total in (20, 40, 80):
        widths = widths_for(table, total)
        blocks = grid(table, widths) if widths is not None else records(table[0], table[1:], total)
        out = [line for block in blocks for line in block]
        shown = {word for line in out for word in line.split()}
        assert all(word in shown for row in rows for cell in row for word in cell.split())
        if widths is not None:
            assert all(width(line) <= total for line in out)
    piped = aligned(table)
    assert len(piped) == len(table) and all(line == line.rstrip() for line in piped)
