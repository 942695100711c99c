"""Long chains and deep nesting: read in work that grows with the text, never a RecursionError."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import as_pyhocon, pyhocon_plain

from clearml_cfg.hocon import HoconSemanticError, HoconSyntaxError, Unresolved, parse, strict_equal
from clearml_cfg.hocon import evaluate as evaluation
from clearml_cfg.hocon.parser import MAX_KEY_DEPTH


def count_substitutions(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the values put in place of a substitution while a text is read."""
    calls = [0]
    original = evaluation._Resolver._do_substitute

    def counted(self: Any, sub: Any, value: Any, *args: Any) -> Any:
        calls[0] += not isinstance(value, Unresolved)  # pyhocon's loop tries a waiting one again each round
        return original(self, sub, value, *args)

    monkeypatch.setattr(evaluation._Resolver, "_do_substitute", counted)
    return calls


@pytest.mark.parametrize(
    "text",
    ["a: [1]\n" + "a += [1]\n" * 300, "a: x\n" + "a += y\n" * 300, "a: 1\n" + "a: ${a} 1\n" * 300],
    ids=["list-appends", "string-appends", "self-references"],
)
def test_a_key_built_on_300_lines_is_read_in_linear_work(monkeypatch: pytest.MonkeyPatch, text: str) -> None:
    calls = count_substitutions(monkeypatch)
    ours = parse(text).to_dict()
    assert calls[0] == 300  # each line's substitution once (each doubled the work before)
    assert strict_equal(as_pyhocon(ours), pyhocon_plain(text))


def test_a_chain_of_substitutions_is_read_however_long(monkeypatch: pytest.MonkeyPatch) -> None:
    chain = "\n".join(f"a{i}: ${{a{i + 1}}}" for i in range(200)) + "\na200: 1"
    assert strict_equal(parse(chain).to_dict(), pyhocon_plain(chain))
    long = "\n".join(f"a{i}: ${{a{i + 1}}}" for i in range(800)) + "\na800: 1"
    calls = count_substitutions(monkeypatch)
    assert parse(long).to_dict() == {f"a{i}": 1 for i in range(801)}
    assert calls[0] == 800


def unnest(tree: Any) -> tuple[int, Any]:
    """How many `a` levels deep ``tree`` goes, and what it holds there (walked, not compared: `==` recurses)."""
    depth = 0
    while isinstance(tree, dict) and list(tree) == ["a"]:
        tree = tree["a"]
        depth += 1
    return depth, tree


def test_dotted_keys_as_deep_as_pyhocon_reads_them() -> None:
    text = ".".join(["a"] * 300) + ": 1"  # pyhocon reads 980 from a shallow stack; under pytest, fewer
    assert unnest(parse(text).to_dict()) == unnest(pyhocon_plain(text)) == (300, 1)
    deepest = ".".join(["a"] * MAX_KEY_DEPTH)  # pyhocon's own limit is near 980
    document = parse(f"{deepest}: 1\n{deepest}: 2\nb: ${{{deepest}}}\n")
    tree = document.to_dict()
    assert tree["b"] == 2
    del tree["b"]
    assert unnest(tree) == (MAX_KEY_DEPTH, 2)
    assert document.to_dict(resolve=False)["b"].parts[0].path == ("a",) * MAX_KEY_DEPTH


@pytest.mark.parametrize("segments", [MAX_KEY_DEPTH + 1, 10_000])
def test_deeper_keys_are_a_syntax_error(segments: int) -> None:
    with pytest.raises(HoconSyntaxError, match=f"line 2, column 3: keys nested deeper than {MAX_KEY_DEPTH} levels"):
        parse("x: 1\n  " + ".".join(["a"] * segments) + ": 1")
    with pytest.raises(HoconSyntaxError, match="keys nested deeper"):  # list levels count too
        parse(".".join(["a"] * (MAX_KEY_DEPTH - 1)) + ": [[1]]")


def test_a_deep_document_is_edited() -> None:
    key = ".".join(["a"] * 600)
    document = parse(f"{key}: 1\n")
    document.set("b", 1)
    document.set(("a",) * 600, 2)
    assert document.text == f"{key}: 2\nb: 1\n"
    document.unset(("a",) * 600)
    assert document.text == "b: 1\n"


def test_room_is_made_however_deep_the_caller_already_is() -> None:
    text = ".".join(["a"] * 900) + ": 1\nl: [1]\n" + "l += [2]\n" * 300

    def from_depth(levels: int) -> Any:
        if levels:
            return from_depth(levels - 1)
        document = parse(text)
        document.append("l", 3)
        return document.to_dict()

    tree = from_depth(700)
    assert tree.pop("l") == [1] + [2] * 300 + [3]
    assert unnest(tree) == (900, 1)


@pytest.mark.parametrize("text", ["a: [${a}]", "a: 1\nb: { c: ${b} }", "x: [1]\nb: [${b}]\nc: 1"])
def test_a_value_that_contains_itself_is_an_error_not_a_crash(text: str) -> None:
    with pytest.raises(HoconSemanticError, match="contains itself"):
        parse(text).to_dict()


RUNAWAYS = [
    # each refers to itself through a neighbour: pyhocon copies the value into itself until it fails after
    # tens of seconds (RecursionError), or never finishes and exhausts memory
    'a.a += ${?b} {q: 2}\nc: { z: 1 }\nb.c += x ${?b}\na.c += ${?a.c}\nk {\na.c = {}\n"x.y": foo bar\nk: ${k}\n'
    'a.b {\na.c: 0\n"x.y": "s"\na: null\na.b: ${k}\n}\n}\n',
    'c: {\n"x.y" = [1, 2]\n}\na.b = [{k: ${?a}}]\nb: [1, 2]\na.a = ${?a}\na{\na.b {\n}\na.b {\nc = [1] ${?a}\n'
    "a.b += {}\nk = ${a}\n}\nb.c = [{k: ${?a}}]\nb{\na = ${?c}\na.c = [1, 2]\n}\na = 0\n}\n",
]


@pytest.mark.parametrize("text", RUNAWAYS)
def test_a_value_copied_into_itself_without_end_is_a_located_error(text: str) -> None:
    with pytest.raises(HoconSemanticError, match=r"^line \d+, column \d+: pyhocon never finishes reading this value"):
        parse(text).to_dict()


def test_many_large_substitutions_are_not_a_runaway() -> None:
    base = "base {\n" + "".join(f"  k{i}: {i}\n" for i in range(1000)) + "}\n"
    text = base + "".join(f"copy{j}: ${{base}}\n" for j in range(200))  # 200,000 values copied
    tree = parse(text).to_dict()
    assert len(tree) == 201 and tree["copy199"]["k999"] == 999
