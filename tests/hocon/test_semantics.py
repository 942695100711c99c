"""Our reading of a text equals pyhocon's (the server's parser), quirks included."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from helpers import HOCON_FIXTURES, as_pyhocon, needs_reference, pyhocon_plain, reference_files

from clearml_cfg.hocon import HoconSemanticError, Period, parse, strict_equal


def assert_agrees(text: str, basedir: str | None = None) -> None:
    ours = as_pyhocon(parse(text).to_dict())
    theirs = pyhocon_plain(text, basedir)
    assert strict_equal(ours, theirs), f"ours={ours!r}\ntheirs={theirs!r}"


@pytest.mark.parametrize("path", HOCON_FIXTURES, ids=lambda p: p.name)
def test_fixture_agrees_with_pyhocon(path: Path) -> None:
    assert_agrees(path.read_text(encoding="utf-8"), str(path.parent))


@needs_reference
@pytest.mark.parametrize("path", reference_files(), ids=lambda p: str(p.name))
def test_reference_file_agrees_with_pyhocon(path: Path) -> None:
    assert_agrees(path.read_text(encoding="utf-8"))


# Each of these is a place where pyhocon differs from the HOCON spec or from intuition; we follow pyhocon.
QUIRKS = [
    "a: 007",
    "a: 1.50",
    "a: TRUE\nb: Null\nc: yes",
    "a: true.x",
    "a: true false",
    "a: 1 ${b}\nb: X",
    'l: ["", "a"]',
    "l: [1,,2]",
    "{a:1,,b:2}",
    "a: 2 hours\nb: 1h30m\nc: 10ms\nd: 3 mo\ne: 5 nanos\nf: 2 weeks",
    "a: http://x.com/y",
    "a: foo // c\nb: x//c",
    "a b: 1\nc/d: 2\n-e: 3",
    "a\n: 1",
    "a # c\n : 1",
    "a: # c\n 1",
    "a:\nb: 1",  # an empty value takes the next line
    "a.b.c: 1\na.b.d: 2",
    '"x.y": 1\n"Content-Type": 2',
    'a: "x" "y"\nb: x"y"\nc: "a"b',
    "a: [1] [2]",
    "a: {b:1}\na: {c:2}",
    "a: {b:1}\na: 5",
    "a: null\na {b:1}",
    "a: [1]\na += 2",
    "a: x\na += y",
    "a: 10 apples\nb: 1 2",
    "a: foo \\\n bar",
    'a: "\\u0041"\nb: "\\/"',
    "a: 1e3\nb: .5\nc: -1\nd: +1\ne: 1.\nf: 10.0.0.1\ng: 0x10",
    "a: ${?NOPE}\nb: [${?NOPE}]\nc: x ${?NOPE}\nd: x${?NOPE}y",
    "a: x:y\nb: a;b",
    "a. b: 1\n a . c : 2",
    "a: [\n  1 # one\n  2\n]",
    "a: ${b}\nb: ${c}\nc: 1",
    "a: {x: 1}\nb: ${a} {y: 2}",
    "a: [1]\na: ${a} [2]",
    "a {b: 1}\na {b: ${a.b} 2}",
    "a: 1\nb: ${a}\na: 2",
    "a.b: [1]\na.b += [2]",
    "x: 1\na: ${x}${x}\nb: 1.0 ${x}",
    'a: ""\nb: [""]\nc: """"""\nd: [""""""]',
    "include-foo: 1\ninclude: 2",
    "a: [\n]\nb: [,]\nc: [ , 1]",
    "a: 1\r\nb: 2\rc: 3",
    'a: "x\\ry"',
    "é: ñ",
]


# Substitutions as pyhocon resolves them: first each root key's later definitions take what its earlier one made
# (_fixup_self_references, which writes the result where the value was first put), then a loop whose outcome
# depends on the order of the lines.
RESOLUTION = [
    "a=[1]\na+=[2]\na=[3]",  # the `+=` result is written back over the later [3]
    "a=x\na+=y\na=z",
    'k { k += "x" }',  # a `+=` names the root key k: defined once, with no variable k, it is nothing
    "a { b { a += [1] } }",
    "a.c: ${?a}",
    "a:{}\na.b=${a}",  # the earlier definition of a
    "a: 1\na: ${b}\nb: ${c}\nc: 5",  # ${b} is not computed yet when its turn comes: a keeps the 1 it overrides
    "a: {x: 1}\na: {y: ${a}}\na: {z: ${a}}",
    "a: 1\na: [${a}]\na: ${a} x",
    "a: null\na: ${?a}",
    "a: [0]\nx { a: [1]\n a += [2] }",  # `a +=` inside x extends the root a
    "x { a: [1]\n a += [2] }",
    "a: [1]\na += [2]\na += [3]",
    "a: [1]\n" + "a += [1]\n" * 40,
    "a: 1\n" + "a: ${a} 1\n" * 40,
    "\n".join(f"a{i}: ${{a{i + 1}}}" for i in range(40)) + "\na40: 1",
    "b: ${a}\na: ${c}\nc: 1",
    "a: ${x}\nb: ${a.c}\nx {c: 1}",
    "b.a: ${?X}\nb.b: 0",
]


@pytest.mark.parametrize("text", QUIRKS + RESOLUTION)
def test_quirk_agrees_with_pyhocon(text: str) -> None:
    assert_agrees(text)


# pyhocon fails on each (the server would not start): we fail too, saying where.
PYHOCON_FAILS = [
    "a: 5\na.b: 1",
    "a: 5\na: {b: 1}",
    "a {x: 1}\nb: 5\na: ${b}",
    "a: ${b}\nb: ${a}",
    "k {\n a.b+=[1]\n}\na: true",  # the substitution `a.b +=` stands for goes through a boolean
    "a.c {\n a.b+=x\n}\na.a.c: 1",  # the earlier a has no b
    "a: ${?a}\nb: 1",  # removes a while pyhocon goes through the keys (RuntimeError)
    "b: ${a.c}\na: ${x}\nx {c: 1}",  # a is not computed yet when ${a.c} needs it
    "b: ${?a.c}\na: null",
    "a { b: 0 }\na { b: ${a.b} 2 }",  # an overridden 0 is false to pyhocon: it reports a cycle
    "a: ${X}\na: ${a} 1",
    "[${?X}]",  # substitutions in a list file
    "a: [${a}]",  # contains itself (RecursionError in pyhocon)
]


@pytest.mark.parametrize("text", PYHOCON_FAILS)
def test_semantic_errors_match_pyhocon_failures(text: str) -> None:
    with pytest.raises(Exception):  # noqa: B017 - pyhocon raises several unrelated types
        pyhocon_plain(text)
    with pytest.raises(HoconSemanticError, match=r"^line \d+, column \d+: "):
        parse(text).to_dict()


def test_what_pyhocon_leaves_unresolved_is_an_error() -> None:
    # pyhocon hands the server a ConfigValues object deep in `a.b` here, without a word
    text = "a.b{\nk{\nb.a:[${a}]\n}\n}\na.c{}\na.c = q"
    assert "ConfigValues" in repr(pyhocon_plain(text))
    with pytest.raises(HoconSemanticError, match="line 3, column 6: pyhocon leaves this value unresolved"):
        parse(text).to_dict()


# --- the deliberate differences from pyhocon, numbered as docs/hocon.md lists them ------------------------------------


def test_each_deliberate_difference(tmp_path: Path) -> None:
    from clearml_cfg.hocon import HoconRunaway

    # 1. null or an include inside a value that no later definition replaces: pyhocon makes junk of it
    assert "NoneValue object at 0x" in pyhocon_plain("a: null x")["a"]
    assert type(pyhocon_plain('a: include "x.conf"')["a"]).__name__ == "ConfigInclude"
    for text, column, reason in [
        ("a: null x", 4, "null cannot be part of a concatenated string (pyhocon would write garbage)"),
        ('a: include "x.conf"', 4, "an include cannot be used as a value (pyhocon would store garbage)"),
    ]:
        with pytest.raises(HoconSemanticError) as refused:
            parse(text).to_dict()
        assert (refused.value.column, refused.value.reason) == (column, reason)
    # 2. a value pyhocon leaves unresolved without a word (see test_what_pyhocon_leaves_unresolved_is_an_error)
    text = "a.b{\nk{\nb.a:[${a}]\n}\n}\na.c{}\na.c = q"
    assert "ConfigValues" in repr(pyhocon_plain(text))
    with pytest.raises(HoconSemanticError):
        parse(text).to_dict()
    # 3. a value copied into itself for ever: the server never starts (tests/views/test_server_differential.py, case E,
    # has the server's own loader hang on it); we say so at once
    with pytest.raises(HoconRunaway):
        parse("y { n: ${HOME} }\ny: ${?NOPE}\n").to_dict()
    # 4. a byte-order mark: pyhocon refuses the file, we read it and say so
    with pytest.raises(Exception):  # noqa: B017 -- pyhocon raises pyparsing's exception
        pyhocon_plain("\ufeffa: 1")
    document = parse("\ufeffa: 1")
    assert document.has_bom and document.to_dict() == {"a": 1}
    # 5. includes: followed by pyhocon, by us only with a loader
    (tmp_path / "more.conf").write_text("b: 2\n")
    text = 'include "more.conf"\na: 1\n'
    assert pyhocon_plain(text, basedir=str(tmp_path)) == {"b": 2, "a": 1}
    assert parse(text).to_dict() == {"a": 1}
    loaded = parse(text).to_dict(include=lambda entry: parse((tmp_path / entry.target).read_text()).to_dict())
    assert loaded == {"b": 2, "a": 1}
    # 6. a duration is a Period, which is pyhocon's relativedelta or timedelta
    assert as_pyhocon(parse("d: 2 hours\nm: 250ms").to_dict()) == pyhocon_plain("d: 2 hours\nm: 250ms")


def test_get_paths_types_and_defaults() -> None:
    document = parse('a { "x.y": 1, list: [{ b: true }], "Content-Type": "json" }\nd: 2 hours\n')
    assert document.get(("a", "x.y")) == 1
    assert document.get('a."x.y"') == 1
    assert document.get(("a", "list", 0, "b")) is True
    assert document.get("a.list[0].b") is True
    assert document.get(("a", "Content-Type")) == "json"
    assert document.get("missing", None) is None
    assert document.get("a.missing", 5) == 5
    assert document.get("d") == Period(2, "hours", "2 hours")
    assert document.get("d").seconds() == 7200
    with pytest.raises(KeyError):
        document.get("missing")
    assert ("a", "x.y") in document
    assert "a.nope" not in document


def test_get_resolves_substitutions_with_a_given_environment() -> None:
    document = parse("a: ${HOME_DIR}/x\nb: ${?MISSING}\nc: [${a}]\n")
    assert document.get("a", env={"HOME_DIR": "/h"}) == "/h/x"
    assert document.get("b", "absent", env={"HOME_DIR": "/h"}) == "absent"
    unresolved = document.get("a", resolve=False)
    assert repr(unresolved).startswith("Unresolved(")


def test_locate_the_first_key_below_a_key_written_only_through_them() -> None:
    assert str(parse("a.b.c: 1").locate("a")) == "1:1"
    assert str(parse("x: 1\na.b.c: 1\na.d: 2").locate("a")) == "2:1"
    assert str(parse("l: [{ k.m: 1 }]").locate("l[0].k")) == "1:7"
    assert parse("a.b.c: 1").locate("b") is None


def test_locate_after_a_byte_order_mark() -> None:
    assert str(parse("\ufeffa: 1\nb: 2").locate("a")) == "1:1"
    assert str(parse("\ufeffa: 1\nb: 2").locate("b")) == "2:1"
    with pytest.raises(HoconSemanticError, match=r"^line 1, column 4: "):
        parse("\ufeffa: ${nope}").to_dict()


def test_locate_an_element_of_a_list_built_with_appends() -> None:
    document = parse("a: [1]\na += [2]\na += [\n  3\n]\n")
    assert [str(document.locate(("a", i))) for i in range(3)] == ["1:5", "2:7", "4:3"]
    assert document.locate(("a", 3)) is None
    # where pyhocon does not read the lists written as the value, there is no element to point at
    assert parse("x { a: [1]\n a += [2] }").locate(("x", "a", 0)) is None  # `a +=` extends the root a
    assert parse("a: [1]\na += [2]\na: [3]").locate(("a", 0)) is None  # pyhocon reads [1, 2]


def test_locate_and_definitions() -> None:
    text = "a.b: 1\nx {\n  a { b: 2 }\n}\na {\n    b: 3   # last wins\n}\nl: [{ k: 1 }, { k: 2 }]\n"
    document = parse(text)
    locations = document.definitions("a.b")
    assert [(loc.line, loc.column) for loc in locations] == [(1, 1), (6, 5)]
    assert str(document.locate("a.b")) == "6:5"
    assert str(document.locate("x.a.b")) == "3:7"
    assert str(document.locate("l[1].k")) == "8:17"
    assert str(document.locate("l[1]")) == "8:15"
    assert document.locate("nope") is None
    assert document.locate("l[5]") is None


def test_value_text_is_the_source() -> None:
    document = parse("a: 007  # bond\nl: [{ u: 1.50 }]\nb { c: x y }\n")
    assert document.value_text("a") == "007"
    assert document.value_text("l[0].u") == "1.50"
    assert document.value_text("b.c") == "x y"
    assert document.value_text("nope") is None


def test_periods_compare_and_convert() -> None:
    assert parse("a: 90m").get("a").seconds() == 5400
    assert parse("a: 1 year").get("a").seconds() is None
    assert parse("a: 1500 nanos").get("a").seconds() == datetime.timedelta(microseconds=1).total_seconds()


# pyhocon deletes an optional substitution that found nothing from a list with `if index in list: del list[index]`
# (comparing the index with the values), and writes resolved elements back by their original index; lists held
# directly by an object that is a value part are copies it never touches. Found by the property tests.
LIST_SUBSTITUTIONS = [
    "a: [${?X}, 0]",
    "a: [${?X}]",
    "a: [${?X}, 1, ${?Y}]",
    "a: [1, ${?X}, 1]",
    "a { b: [${?X}, 0] }",
    "a: { b: [${?X}, 0] }",
    "a: { b { c: [${?X}, 0] } }",
    "a { b: { c: [${?X}, 0] } }",
    "a: [[${?X}, 0]]",
    "a: [{b: [${?X}, 0]}]",
    "a: {b: [${?X}, 0]} {c: 1}",
    "a: { a.a: [0, ${?X}, true] }",
    'a {a: [${?X}, 2.5, "x"${?CLEARML_CFG_TEST_NAME}, -0.0]}',
    "k: ${?X}\nk: ${?X}",
    "k: 0\nk: ${?X}",
    "k: null\nk: ${?X}",  # pyhocon's tree[key] reads null as None: nothing comes back
    "b.a: null,\nb.a: ${?X},\n",
    # a later definition of a root key is merged in by copying each subtree it merges into: an unresolved
    # value left in such a copy is lost track of, and ends up null instead of gone (found by helper runs)
    "b.enabled.a: ${?X}\nb.enabled.b: 0",
    "b { e { a: ${?X} } }\nb { e { b: 0 } }",
    "b.a: ${?X}\nb.b: 0",
    "b.e.f.a: ${?X}\nb.e.b: 0",
    "b.e.a: 1\nb.e.a: ${?X}\nb.e.b: 0",
    "a { b { c { d: ${?X} } } }\na.b.c.e: 1",
]


@pytest.mark.parametrize("text", LIST_SUBSTITUTIONS)
def test_optional_substitutions_agree_with_pyhocon(text: str) -> None:
    assert_agrees(text)


def test_tabs_are_expanded_as_pyparsing_does() -> None:
    assert_agrees('{\n\ta: """m\n\tl"""\n\tb: "x\ty"\n}\n')
    assert parse('a\tb: "x\ty"').to_dict() == {"a       b": "x   y"}
