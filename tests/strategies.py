"""Hypothesis strategies shared by the property tests: HOCON documents in random layouts, and config values."""

from __future__ import annotations

from hypothesis import strategies as st

# --- random documents, written as text --------------------------------------------------------------------

KEYS = st.sampled_from(["a", "b", "c", "enabled", "threshold_sec", "x-y", "key_1", "users", "Cookies", "é"])
QUOTED_KEYS = st.sampled_from(['"x.y"', '"Content-Type"', '"with space"', '"a"'])
QUOTED_CHARS = st.sampled_from([*"abcXYZ 09#/{}[],:=$é😀'", "\\n", '\\"', "\\\\", "\\t", "\\u0041", "${x}", "//"])
UNQUOTED = st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_.\-]{0,8}", fullmatch=True)
COMMENT = st.sampled_from(["", "", "  # note", " // note", "\t# {not: code}", " #"])


def scalar_text() -> st.SearchStrategy[str]:
    return st.one_of(
        st.integers(-(10**12), 10**12).map(str),
        st.floats(allow_nan=False, allow_infinity=False, width=32).map(repr),
        st.lists(QUOTED_CHARS, max_size=6).map(lambda cs: '"' + "".join(cs) + '"'),
        UNQUOTED,
        st.sampled_from(["true", "false", "null", "TRUE", "Null", "yes", "off", "007", "1.50", "10.0.0.1"]),
        st.sampled_from(["30s", "2 hours", "250ms", "1 day", "http://x.example.com/a//b", "a:b"]),
        st.sampled_from(['"a" "b"', "foo bar baz", '"x"${?CLEARML_CFG_TEST_NAME}', "${?CLEARML_CFG_TEST_UNSET}"]),
        st.just('"""multi\nline "quoted" text"""'),
    )


@st.composite
def value_text(draw: st.DrawFn, depth: int, indent: str, unit: str, nl: str) -> str:
    kind = draw(st.sampled_from(["scalar"] * 4 + (["object", "list"] if depth < 3 else [])))
    if kind == "scalar":
        return draw(scalar_text())
    if kind == "object":
        return draw(object_text(depth + 1, indent, unit, nl))
    inline = draw(st.booleans())
    items = draw(st.lists(value_text(depth + 1, indent + unit, unit, nl), max_size=4))
    if inline or not items:
        return "[" + ", ".join(i.replace(nl, " ") if "\n" not in i else i for i in items) + "]"
    trailing = "," if draw(st.booleans()) else ""
    separator = "," if draw(st.booleans()) else ""
    lines = [
        indent + unit + item + (separator if i < len(items) - 1 else trailing) + draw(COMMENT)
        for i, item in enumerate(items)
    ]
    return "[" + nl + nl.join(lines) + nl + indent + "]"


@st.composite
def object_text(draw: st.DrawFn, depth: int, indent: str, unit: str, nl: str) -> str:
    if draw(st.integers(0, 4)) == 0:  # inline object
        fields = draw(st.lists(st.tuples(KEYS, scalar_text()), max_size=3))
        return "{ " + ", ".join(f"{k}: {v}" for k, v in fields) + " }"
    body = draw(fields_text(depth, indent + unit, unit, nl))
    return "{" + nl + body + indent + "}"


@st.composite
def fields_text(draw: st.DrawFn, depth: int, indent: str, unit: str, nl: str) -> str:
    out = []
    for _ in range(draw(st.integers(0, 5))):
        if draw(st.integers(0, 6)) == 0:
            out.append(indent + draw(st.sampled_from(["# a comment", "// another", ""])) + nl)
            continue
        key = draw(st.one_of(KEYS, QUOTED_KEYS, st.lists(KEYS, min_size=2, max_size=3).map(".".join)))
        value = draw(value_text(depth, indent, unit, nl))
        if value.startswith("{") and draw(st.booleans()):
            separator = draw(st.sampled_from([" ", "", ": ", " = "]))
        else:
            separator = draw(st.sampled_from([": ", ":", " = ", "=", " : "]))
        comma = "," if draw(st.integers(0, 4)) == 0 else ""
        out.append(indent + key + separator + value + comma + draw(COMMENT) + nl)
    return "".join(out)


@st.composite
def documents(draw: st.DrawFn) -> str:
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    unit = draw(st.sampled_from(["  ", "    ", "\t"]))
    body = draw(fields_text(0, "", unit, nl))
    if draw(st.booleans()):
        return (
            "{"
            + nl
            + "".join(unit + line if line.strip() else line for line in body.splitlines(keepends=True))
            + "}"
            + nl
        )
    if draw(st.booleans()):
        body = body.rstrip("\r\n")
    return body


SAFE_STRINGS = st.lists(st.sampled_from([*"abc XYZ09#/{}[],:=$\"\\'\n\té😀", "${id}", "//"]), max_size=8).map("".join)
LEAF = st.one_of(
    st.integers(-(10**9), 10**9),
    st.floats(allow_nan=False, allow_infinity=False),
    SAFE_STRINGS,
    st.booleans(),
    st.none(),
)
VALUES = st.recursive(
    LEAF,
    lambda inner: st.one_of(
        st.lists(inner.filter(lambda v: v != ""), max_size=3),
        st.dictionaries(st.sampled_from(["k", "name", "x-y", "n2", "x.y", "Content-Type"]), inner, max_size=3),
    ),
    max_leaves=6,
)
NEW_KEYS = st.sampled_from(["new", "enabled", "port", "x.y", "Content-Type", "with space", "k"])
