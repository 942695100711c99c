"""The HOCON layer where a mutation fuzzer found it reading or editing differently from pyhocon (issue 14); each
case is judged by pyhocon itself."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from helpers import pyhocon_plain
from oracle import oracle, strict_oracle

from clearml_cfg.hocon import HoconEditError, HoconEditUnresolvable, HoconSemanticError, HoconSyntaxError, parse

# --- a backslash before CR is no line continuation -----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "enabled: true \\\r\nport: 8008\r\n",
        "enabled: true \\\rport: 8008\r",
        'a: "x" \\\r\nb: 1\r\n',
        "a: [1, \\\r\n 2]",
        "a: 1 \\\n\r\n  2\n",
    ],
)
def test_a_backslash_before_cr_is_read_as_pyhocon_reads_it(text: str) -> None:
    assert oracle(text) == ("ok", parse(text).to_dict())


def test_edits_next_to_a_backslash_before_crlf_keep_the_next_line_and_the_crlf() -> None:
    text = "enabled: true \\\r\nport: 8008\r\n"
    document = parse(text)
    document.set("enabled", False)
    assert document.text == "enabled: false\r\nport: 8008\r\n"
    document = parse(text)
    document.unset("enabled")
    assert document.text == "port: 8008\r\n"


# --- an edit must leave a file the server can load, with this machine's environment ---------------------------------


@pytest.mark.parametrize(
    ("text", "action", "reason"),
    [
        (
            'hosts: [a] ${?EXTRA_HOSTS}\nhost: x\nurl: "http://"${host}\n',
            lambda d: d.unset("host"),
            "line 3, column 15: cannot resolve ${host}: no such key in this file and no such environment variable",
        ),
        (
            "db { host: null, url: ${db.host} }\n",
            lambda d: d.unset("db.host"),
            "line 1, column 23: cannot resolve ${db.host}: no such key in this file and no such environment variable",
        ),
        (
            "a: 1\nx: ${?x}\n",
            lambda d: d.set("b", 1),
            "line 2, column 4: pyhocon fails on this file: ${?x} takes x away while pyhocon goes through the keys of "
            "the file (RuntimeError: OrderedDict mutated during iteration)",
        ),
    ],
)
def test_an_edit_pyhocon_could_not_load_afterwards_is_refused(text: str, action: Any, reason: str) -> None:
    assert oracle(text)[0] == "ok"
    document = parse(text)
    with pytest.raises(HoconEditUnresolvable) as refused:
        action(document)
    # each of these reads a variable (pyhocon looks `db.host` up in the environment too, as it is null)
    assert str(refused.value) == (
        f"the server could not load the file after this: {reason} (it resolves now with this machine's environment)"
    )
    assert document.text == text


# --- what pyhocon reads, read; a later definition replaces what pyhocon would make into junk -------------------------


@pytest.mark.parametrize(
    "text",
    [
        "a: null x\na: 1\n",
        "timeout: 10s x\ntimeout: 30\n",
        'a: include "f"\na: 1\n',
        "l: [null x, 1]\nl: 2\n",
        "timeout: 10s x\n",  # a duration's text: relativedelta(seconds=+10)x
        "t: 250ms x\n",
        "t: x 2 weeks\n",
        "t: 90 seconds y\n",
        "t: 3 months x\n",
        'api_server: """http://x"\n',  # no closing """: pyhocon reads "" and "http://x"
        'a: """"\n',
        # an include in a list brings nothing when its file is not there (or, without a loader, not followed)
        '[include "x.conf"\n { name: a }]\n',
        'a: [1, include "x.conf", 2]\n',
        'a: [include "x.conf"]\n',
    ],
)
def test_what_pyhocon_reads_is_read(text: str) -> None:
    assert oracle(text) == ("ok", parse(text).to_dict())


@pytest.mark.parametrize(
    "text", [", # x\n{\n a: 1\n}\n", ",\n,\n// x\n[1, 2]\n", ",\n{ a: 1 }\n", ", ,# x\n{ a: 1 }\n", ",\na: 1\n"]
)
def test_commas_before_the_root_are_read_as_pyhocon_reads_them(text: str) -> None:
    """pyhocon skips a run of commas and line breaks before a root in braces only when a comment follows it."""
    theirs = strict_oracle(text)
    try:
        document = parse(text)
    except HoconSyntaxError:
        assert theirs[0] == "error"
        return
    assert document.render() == text and theirs == ("ok", document.to_dict())
    if isinstance(theirs[1], dict):
        document.set("b", 2)
        assert strict_oracle(document.text) == ("ok", {**theirs[1], "b": 2})


@pytest.mark.parametrize("text", ['b: include "x.conf" text\n', 'h: "a"include "x.conf"\n', 'a: [include "x" x]\n'])
def test_an_include_joined_to_text_is_junk_to_the_end(text: str) -> None:
    """pyhocon writes the include's repr into the text: the junk stays junk whatever it is joined to."""
    assert strict_oracle(text)[0] == "error"
    with pytest.raises(HoconSemanticError):
        parse(text).to_dict()


def test_an_include_of_a_file_in_a_list_is_junk(tmp_path: Path) -> None:
    """With the file there, pyhocon puts its (key, value) pairs into the list: the server gets no value it can use."""
    (tmp_path / "x.conf").write_text("q: 1\n")
    assert pyhocon_plain('a: [include "x.conf", 1]\n', basedir=str(tmp_path)) == {"a": [("q", 1), 1]}
    with pytest.raises(HoconSemanticError):
        parse('a: [include "x.conf", 1]\n').to_dict(include=lambda include: {"q": 1})


def test_a_duration_is_the_text_pyhocon_makes_of_it() -> None:
    from dateutil.relativedelta import relativedelta

    from clearml_cfg.hocon import Period
    from clearml_cfg.hocon.evaluate import period_text

    for unit in ("microseconds", "seconds", "minutes", "hours", "days", "weeks", "months", "years"):
        for amount in (0, 1, 59, 61, 3599, 86401, 1000000, 123456789):
            expected = relativedelta(**{unit: amount})
            assert period_text(Period(amount, unit, "")) == str(expected), (unit, amount)
    assert period_text(Period(2500, "nanoseconds", "")) == str(relativedelta(microseconds=2))


def test_an_unclosed_triple_quote_with_nothing_after_it_is_still_an_error() -> None:
    with pytest.raises(HoconSyntaxError) as refused:
        parse('a: """abc\n')
    assert str(refused.value) == 'line 1, column 4: unterminated triple-quoted string: no closing """'


def test_a_key_extended_on_1200_lines_is_read_whole() -> None:
    text = "a: [0]\n" + "a += [1]\n" * 1200
    assert len(parse(text).to_dict()["a"]) == 1201  # pyhocon: the same, in about 6 s


# --- what pyhocon cannot read, refused with the server's failure ---------------------------------------------------


@pytest.mark.parametrize(
    ("opening", "closing", "fails_at"),
    [("a: { ", " }", 32), ("a { ", " }", 45), ("[ ", " ]", 59), ("[{b: ", "}]", 21)],
)
def test_nesting_the_servers_loader_cannot_read_is_its_failure(opening: str, closing: str, fails_at: int) -> None:
    """The depths at which ../shared/tools/server-config reports RecursionError (pyhocon in the loader)."""
    head = "" if opening.startswith("a") else "a: "
    inner = "x: 1" if opening.endswith("{ ") else "1"

    def text(depth: int) -> str:
        return head + opening * depth + inner + closing * depth

    parse(text(fails_at - 1)).to_dict()
    with pytest.raises(HoconSemanticError) as refused:
        parse(text(fails_at)).to_dict()
    assert refused.value.reason == (
        "pyhocon fails on objects and lists nested this deep (RecursionError): the server cannot load the file"
    )


@pytest.mark.parametrize(
    ("text", "column"),
    [
        ("a: include file(y)\n", 4),
        ("include required(\n", 1),
        ("a: 1\ninclude url {x: 1}\n", 1),
        ("a: include required\n", 4),
    ],
)
def test_a_malformed_include_is_the_syntax_error_pyhocon_stops_at(text: str, column: int) -> None:
    assert oracle(text)[0] == "error"
    with pytest.raises(HoconSyntaxError) as refused:
        parse(text)
    assert (refused.value.column, refused.value.reason) == (
        column,
        'malformed include: write include "file.conf", include file("file.conf") or include required("file.conf") '
        "(the file name in double quotes)",
    )


# --- smaller: keys with tabs, paths, values no file can hold ----------------------------------------------------------


@pytest.mark.parametrize("text", ["a\tb: 1\n", "x {\n  a\tb: 1\n}\n", '  "q\tr": 2\n'])
def test_a_key_written_with_a_tab_is_found_as_pyhocon_names_it(text: str) -> None:
    document = parse(text)
    assert oracle(text) == ("ok", document.to_dict())
    path: tuple[str, ...] = ()
    node: Any = document.to_dict()
    while isinstance(node, dict):
        path = (*path, next(iter(node)))
        node = node[path[-1]]
    assert document.locate(path) is not None
    document.set(path, 9)
    assert document.text == text.replace("1", "9").replace("2", "9")  # replaced where it is, not added again
    assert oracle(document.text) == ("ok", document.to_dict())


@pytest.mark.parametrize("segment", [-1, True, 1.5, None])
def test_a_path_segment_that_is_no_key_or_index_is_refused(segment: Any) -> None:
    from clearml_cfg.hocon.paths import PathError

    document = parse("a: [1, 2]\n")
    for action in (lambda: document.get(("a", segment)), lambda: document.set(("a", segment), 5)):
        with pytest.raises(PathError) as refused:
            action()
        assert str(refused.value) == (
            f"{segment!r} is not a key or a list index (a number from 0) in the path ('a', {segment!r})"
        )
    assert ("a", segment) not in document


@pytest.mark.parametrize(
    ("key", "value", "where"),
    [("b", "\ud800", "b: U+D800"), ("\udc80", 1, "the key: U+DC80"), ("c", {"x": ["\udfff"]}, "c.x[0]: U+DFFF")],
)
def test_a_lone_surrogate_is_refused(key: str, value: Any, where: str) -> None:
    document = parse("a: 1\n")
    with pytest.raises(HoconEditError) as refused:
        document.set(key, value)
    assert str(refused.value) == f"{where} is a lone surrogate, not a character: a UTF-8 file cannot hold it"
    assert document.text == "a: 1\n"


def test_a_value_that_swallowed_a_cr_keeps_the_crlf_when_replaced() -> None:
    document = parse("x: abc \\\r\ny: 1\r\n")
    document.set("x", "new")
    assert document.text == 'x: "new"\r\ny: 1\r\n'
