"""Edits change only what they must; every test compares the whole resulting text."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import pyhocon_plain

from clearml_cfg.hocon import HoconEditError, HoconKeyError, parse
from clearml_cfg.hocon.edit import Planner, Splice

COMMENTED_APISERVER = """\
# apiserver.conf: the web login for the team server
auth {
    # cookies are shared with the subdomains
    cookies {
        domain: ".example.com"  # keep the leading dot
        secure: true
    }

    # the commented example below is kept as documentation
#    fixed_users {
#        enabled: true
#    }
}
"""


def edited(text: str, *steps: tuple[str, object]) -> str:
    document = parse(text)
    for path, value in steps:
        document.set(path, value)
    result = document.text
    assert document.render() == result
    return result


def test_seed_adds_fixed_users_with_two_users_to_a_commented_file() -> None:
    users = [
        {"username": "jane", "password": "12345678", "name": "Jane Doe"},
        {"username": "john", "password": "12345678", "name": "John Doe"},
    ]
    result = edited(COMMENTED_APISERVER, ("auth.fixed_users", {"enabled": True, "pass_hashed": False, "users": users}))
    assert (
        result
        == """\
# apiserver.conf: the web login for the team server
auth {
    # cookies are shared with the subdomains
    cookies {
        domain: ".example.com"  # keep the leading dot
        secure: true
    }

    # the commented example below is kept as documentation
#    fixed_users {
#        enabled: true
#    }

    fixed_users {
        enabled: true
        pass_hashed: false
        users: [
            {
                username: "jane"
                password: "12345678"
                name: "Jane Doe"
            },
            {
                username: "john"
                password: "12345678"
                name: "John Doe"
            }
        ]
    }
}
"""
    )
    assert pyhocon_plain(result)["auth"]["fixed_users"]["users"] == users


def test_seed_adds_the_watchdog_to_an_empty_services_conf() -> None:
    result = edited(
        "",
        ("tasks.non_responsive_tasks_watchdog.enabled", True),
        ("tasks.non_responsive_tasks_watchdog.threshold_sec", 7200),
        ("tasks.non_responsive_tasks_watchdog.watch_interval_sec", 900),
    )
    assert (
        result
        == """\
tasks {
    non_responsive_tasks_watchdog {
        enabled: true
        threshold_sec: 7200
        watch_interval_sec: 900
    }
}
"""
    )


def test_seed_ui_action_keeps_id_literal_and_quotes_in_payload() -> None:
    action = {
        "name": "Stop & notify",
        "tooltip": 'Stops the task and says "bye"',
        "action": {
            "method": "POST",
            "url": "https://hooks.example.com/tasks/${id}/stop",
            "payload": '{"task": "${id}", "reason": "manual \\\\ stop"}',
            "headers": {"Content-Type": "application/json"},
        },
    }
    result = edited("# services.conf\n", ("organization.ui_actions.task", [action]))
    assert (
        result
        == """\
# services.conf

organization {
    ui_actions {
        task: [
            {
                name: "Stop & notify"
                tooltip: "Stops the task and says \\"bye\\""
                action {
                    method: "POST"
                    url: "https://hooks.example.com/tasks/${id}/stop"
                    payload: "{\\"task\\": \\"${id}\\", \\"reason\\": \\"manual \\\\\\\\ stop\\"}"
                    headers {
                        Content-Type: "application/json"
                    }
                }
            }
        ]
    }
}
"""
    )
    assert pyhocon_plain(result)["organization"]["ui_actions"]["task"] == [action]


def test_replacing_a_value_keeps_key_separator_indent_and_comment() -> None:
    text = 'a {\n    port = 8008   # the API\n    host :  "x" // old host\n}\n'
    result = edited(text, ("a.port", 9000), ("a.host", "y"))
    assert result == 'a {\n    port = 9000   # the API\n    host :  "y" // old host\n}\n'


def test_set_edits_the_last_plain_definition_and_finds_dotted_forms() -> None:
    text = "a.b.c: 1\na {\n  b.c: 2\n}\nother: 3\n"
    assert edited(text, ("a.b.c", 5)) == "a.b.c: 1\na {\n  b.c: 5\n}\nother: 3\n"


def test_set_to_the_same_value_changes_nothing() -> None:
    document = parse("a: 1 # one\n")
    assert document.set("a", 1) is False
    assert document.set("a", 1.0) is True  # 1.0 is a float, not the int 1
    assert document.text == "a: 1.0 # one\n"


def test_strings_that_look_like_other_types_stay_strings() -> None:
    result = edited("", ("a", "007"), ("b", "true"), ("c", "http://x/${id}"), ("d", "a # b // c"), ("e", "null"))
    assert result == 'a: "007"\nb: "true"\nc: "http://x/${id}"\nd: "a # b // c"\ne: "null"\n'
    assert pyhocon_plain(result) == {"a": "007", "b": "true", "c": "http://x/${id}", "d": "a # b // c", "e": "null"}


@pytest.mark.parametrize(
    "value",
    [
        'quote " back \\ slash',
        "line\nbreak\r\ttab",
        "unicode é 你好 😀",
        "${x} $ {",
        "   padded   ",
        "\\n literal",
        "'single'",
    ],
)
def test_any_string_reads_back_exactly(value: str) -> None:
    result = edited("", ("k", value))
    assert pyhocon_plain(result) == {"k": value}
    assert parse(result).get("k") == value


def test_scalars_of_every_type() -> None:
    result = edited(
        "", ("i", -5), ("f", 1.5), ("e", 1e-7), ("big", 99999999999), ("t", True), ("n", None), ("l", [1, "x", None])
    )
    assert result == 'i: -5\nf: 1.5\ne: 1e-07\nbig: 99999999999\nt: true\nn: null\nl: [1, "x", null]\n'
    assert pyhocon_plain(result) == {
        "i": -5,
        "f": 1.5,
        "e": 1e-7,
        "big": 99999999999,
        "t": True,
        "n": None,
        "l": [1, "x", None],
    }


def test_insert_into_the_deepest_existing_object_with_its_indentation() -> None:
    text = "# top\nauth {\n  cookies {\n    secure: true\n  }\n}\nother: 1\n"
    result = edited(text, ("auth.cookies.domain", ".x.com"), ("auth.fixed_users.enabled", True))
    assert result == (
        '# top\nauth {\n  cookies {\n    secure: true\n    domain: ".x.com"\n  }\n\n'
        "  fixed_users {\n    enabled: true\n  }\n}\nother: 1\n"
    )


def test_insert_follows_a_dotted_sibling() -> None:
    text = "tasks.non_responsive_tasks_watchdog.enabled: true  # on\nother: 1\n"
    result = edited(text, ("tasks.non_responsive_tasks_watchdog.threshold_sec", 600))
    assert result == (
        "tasks.non_responsive_tasks_watchdog.enabled: true  # on\n"
        "tasks.non_responsive_tasks_watchdog.threshold_sec: 600\nother: 1\n"
    )


def test_insert_into_an_inline_object_stays_inline() -> None:
    assert edited("x { a: 1 }\n", ("x.b", [1, 2])) == "x { a: 1, b: [1, 2] }\n"
    assert edited("x {}\n", ("x.b", "v")) == 'x { b: "v" }\n'


def test_insert_a_block_into_an_empty_inline_object_expands_it() -> None:
    assert edited("x {}\n", ("x.b", {"c": 1})) == "x {\n    b {\n        c: 1\n    }\n}\n"


def test_insert_keys_that_need_quotes_nest_instead_of_dotting() -> None:
    result = edited("a.b: 1\n", ("a.x.y", 2), (("a", "Content-Type"), "j"), (("a", "x.y"), 3))
    assert result == 'a.b: 1\na.x.y: 2\na.Content-Type: "j"\n\na {\n    "x.y": 3\n}\n'
    assert pyhocon_plain(result) == {"a": {"b": 1, "x": {"y": 2}, "Content-Type": "j", "x.y": 3}}


def test_crlf_tabs_and_missing_final_newline_are_kept() -> None:
    text = "a: 1\r\nb {\r\n\tc: 2\r\n}"
    result = edited(text, ("b.d", "x"), ("e", [{"q": 1}]))
    assert result == 'a: 1\r\nb {\r\n\tc: 2\r\n\td: "x"\r\n}\r\n\r\ne: [\r\n\t{\r\n\t\tq: 1\r\n\t}\r\n]'


def test_braced_root_file_gets_keys_inside_the_braces() -> None:
    text = "{\n    a: 1\n}\n"
    assert edited(text, ("b", 2)) == "{\n    a: 1\n    b: 2\n}\n"


def test_replacing_an_object_with_a_scalar_and_back() -> None:
    text = "a {\n  x: 1\n}\n"
    step = edited(text, ("a", 5))
    assert step == "a: 5\n"
    assert edited(step, ("a", {"y": 2})) == "a: {\n    y: 2\n}\n"


def test_setting_an_object_over_an_object_edits_key_by_key() -> None:
    text = "a {\n  keep: 1  # kept comment\n  drop: 2\n  change: 3\n}\n"
    result = edited(text, ("a", {"keep": 1, "change": 4, "new": 5}))
    assert result == "a {\n  keep: 1  # kept comment\n  change: 4\n  new: 5\n}\n"


def test_set_supersedes_later_appends_and_redefinitions() -> None:
    text = "l: [1]\nl += [2]\nl += [3]\nkeep: 1\n"
    assert edited(text, ("l", [9])) == "l: [9]\nkeep: 1\n"


def test_set_over_an_append_only_key() -> None:
    assert edited("l += [1]\n", ("l", [2])) == "l : [2]\n" or edited("l += [1]\n", ("l", [2])) == "l: [2]\n"


@pytest.mark.parametrize(
    ("text", "action", "expected"),
    [
        # `a: 0` is dead once `a.a` overrides it; it must not come back when a.a goes, nor break a new a.a
        ("a: 0\na.a: []\nb: 1\n", "unset", "b: 1\n"),
        ("a: 0\na.a: []\nb: 1\n", "set", "a.a: 0\nb: 1\n"),
    ],
)
def test_dead_parent_values_go_with_the_key_that_overrode_them(text: str, action: str, expected: str) -> None:
    document = parse(text)
    if action == "unset":
        document.unset("a.a")
    else:
        document.set("a.a", 0)
    assert document.text == expected


def test_a_parent_substitution_is_not_dead_so_the_edit_is_refused() -> None:
    # After `a.a: 0`, pyhocon would concatenate ${?X} with {a: 0}: the result would depend on $X.
    text = "a: ${?X}\na.a: []\n"
    document = parse(text)
    with pytest.raises(HoconEditError, match="computed by a substitution"):
        document.set("a.a", 0)
    assert document.text == text


def test_a_key_that_exists_only_through_dotted_children_is_replaced_whole() -> None:
    # found by the property tests: b.b exists only as `b.b.a: 0`; a new `b.b: []` must not merge under it
    assert edited("b.a.a: 0\nb.b.a: 0\n", (("b", "b"), [])) == "b.a.a: 0\nb.b: []\n"
    assert edited("x: 1\na.b.c: 1\na.b.d: 2\n", ("a.b", 5)) == "x: 1\na.b: 5\n"
    assert edited("a.b.x { y: 1 }\na.b.z: 2\n", ("a.b", [1])) == "a.b: [1]\n"


def test_set_replaces_a_substitution() -> None:
    assert edited("x: 1\na: ${x}\n", ("a", 2)) == "x: 1\na: 2\n"


def test_set_after_an_empty_value() -> None:
    assert edited("a { b: # nothing yet\n}\n", ("a.b", 1)) == "a { b: 1 # nothing yet\n}\n"


def test_unset_removes_whole_lines_and_no_neighbour_comment() -> None:
    text = "# section\na {\n  # about x\n  x: 1  # own comment\n  y: 2\n}\n"
    document = parse(text)
    document.unset("a.x")
    assert document.text == "# section\na {\n  # about x\n  y: 2\n}\n"


@pytest.mark.parametrize(
    ("text", "key", "expected"),
    [
        # its own comment: right above it, after an opening brace, and it ends its paragraph
        ("a {\n  # the domain\n  d: 1\n\n  s: 2\n}\n", "a.d", "a {\n\n  s: 2\n}\n"),
        ("a: 1\n# about d,\n# two lines\nd: 2\n# about b\nb: 3\n", "d", "a: 1\n# about b\nb: 3\n"),
        ("a: 1\n\n# about d\nd: 2\n", "d", "a: 1\n"),  # the blank line that only separated it goes too
        ("a {\n  b: 1\n  # about c\n  c: 2\n}\n", "a.c", "a {\n  b: 1\n}\n"),
        ("a: 1\r\n# about d\r\nd: 2\r\n", "d", "a: 1\r\n"),
        ("a: 1\n# about d\nd: 2", "d", "a: 1"),
        ("a: 1\n// about d\nd {\n  x: 1\n}\n", "d", "a: 1\n"),
        # not its own: it speaks of the paragraph, is the file's header, is a commented-out setting, is part of
        # a wider comment, or sits inside a string
        ("a {\n  # cookies\n  d: 1\n  s: 2\n}\n", "a.d", "a {\n  # cookies\n  s: 2\n}\n"),
        ("# the file\nd: 1\n", "d", "# the file\n"),
        ("a: 1\n# d: 0\nd: 1\n", "d", "a: 1\n# d: 0\n"),
        ("a: 1\n# port = 8008\nd: 1\n", "d", "a: 1\n# port = 8008\n"),
        ("a: 1\n    # wider\n# about d\nd: 1\n", "d", "a: 1\n    # wider\n# about d\n"),
        ("a {\n# not indented like d\n  d: 1\n}\n", "a.d", "a {\n# not indented like d\n}\n"),
        ('x: """one\n# two"""\nd: 1\n', "d", 'x: """one\n# two"""\n'),
        ("a { b: 1, d: 2 }  # about d?\n", "a.d", "a { b: 1 }  # about d?\n"),
    ],
)
def test_unset_removes_the_comment_that_belongs_to_the_key_only(text: str, key: str, expected: str) -> None:
    document = parse(text)
    document.unset(key)
    assert document.text == expected


def test_unset_keeps_every_other_byte_of_a_commented_file() -> None:
    document = parse(COMMENTED_APISERVER)
    document.unset("auth.cookies")
    lines = COMMENTED_APISERVER.splitlines(keepends=True)
    assert document.text == "".join(lines[:2] + lines[7:])  # its comment and its block, nothing else
    document.unset("auth")
    assert document.text == lines[0]  # the file's header stays


def test_unset_removes_every_definition_including_dotted_ones() -> None:
    text = "a.b: 1\nc: 2\na {\n  b: 3\n  d: 4\n}\na.b.e: 5\n"
    document = parse(text)
    document.unset("a.b")
    assert document.text == "c: 2\na {\n  d: 4\n}\n"


def test_unset_on_one_line() -> None:
    document = parse("x { a: 1, b: 2, c: 3 }\n")
    document.unset("x.b")
    assert document.text == "x { a: 1, c: 3 }\n"
    document.unset("x.c")
    assert document.text == "x { a: 1 }\n"


def test_unset_last_line_without_final_newline() -> None:
    document = parse("a: 1\nb: 2")
    document.unset("b")
    assert document.text == "a: 1"


def test_set_then_unset_restores_the_text() -> None:
    document = parse(COMMENTED_APISERVER)
    document.set("auth.fixed_users", {"enabled": True, "users": [{"username": "a", "password": "b", "name": "c"}]})
    document.unset("auth.fixed_users")
    assert document.text == COMMENTED_APISERVER


def test_unset_missing_key_raises() -> None:
    with pytest.raises(HoconKeyError, match="not set"):
        parse("a: 1\n").unset("b")


USERS = """\
fixed_users {
    users: [
        {
            username: "jane"
            name: "Jane"
        },
        {
            username: "john"
            name: "John"
        },
    ]
}
"""


def test_append_keeps_trailing_comma_style() -> None:
    document = parse(USERS)
    document.append("fixed_users.users", {"username": "amy", "name": "Amy"})
    assert document.text == USERS.replace(
        "        },\n    ]",
        '        },\n        {\n            username: "amy"\n            name: "Amy"\n        },\n    ]',
    )


def test_append_without_trailing_comma_adds_a_separating_comma() -> None:
    text = "l: [\n  1,\n  2  # two\n]\n"
    document = parse(text)
    document.append("l", 3)
    assert document.text == "l: [\n  1,\n  2,  # two\n  3\n]\n"


def test_append_to_a_newline_separated_list() -> None:
    document = parse("l: [\n  a\n  b\n]\n")
    document.append("l", "c")
    assert document.text == 'l: [\n  a\n  b\n  "c"\n]\n'


def test_append_inline_and_to_empty_lists() -> None:
    document = parse("a: [1, 2]\nb: []\nc: []\n")
    document.append("a", 3)
    document.append("b", "x")
    document.append("c", {"k": 1})
    assert document.text == 'a: [1, 2, 3]\nb: ["x"]\nc: [\n    {\n        k: 1\n    }\n]\n'


def test_append_creates_a_missing_list() -> None:
    document = parse("")
    document.append("a.l", 1)
    assert document.text == "a {\n    l: [1]\n}\n"


def test_remove_element_and_its_comma() -> None:
    document = parse(USERS)
    document.remove("fixed_users.users", 0)
    assert document.text == USERS.replace(
        '        {\n            username: "jane"\n            name: "Jane"\n        },\n', ""
    )
    document = parse("l: [\n  1,\n  2\n]\n")
    document.remove("l", 1)
    assert document.text == "l: [\n  1\n]\n"
    document = parse("l: [1, 2, 3]\n")
    document.remove("l", 1)
    assert document.text == "l: [1, 3]\n"


def test_replace_element_and_edit_inside_an_element() -> None:
    document = parse(USERS)
    document.set("fixed_users.users[1].name", "Johnny")
    document.set("fixed_users.users[0].password", "pw")
    assert document.text == USERS.replace('"John"', '"Johnny"').replace(
        '            name: "Jane"\n', '            name: "Jane"\n            password: "pw"\n'
    )
    document = parse("l: [1, 2]\n")
    document.replace("l", 0, "x")
    assert document.text == 'l: ["x", 2]\n'


def test_element_index_out_of_range() -> None:
    with pytest.raises(HoconKeyError, match="no \\[5\\]"):
        parse("l: [1]\n").set("l[5]", 1)


def test_an_index_into_a_list_that_is_not_there() -> None:
    document = parse("a: 1\n")
    for key in ("users[0]", "auth.users[0].password", "auth.x.users[2]"):
        with pytest.raises(HoconKeyError, match="there is no list"):
            document.set(key, "x")
    assert document.text == "a: 1\n"


@pytest.mark.parametrize(
    ("text", "path", "value", "message"),
    [
        ("a: 5\n", "a.b", 1, "a is a number"),
        ("a: [1]\n", "a.b", 1, "a is a list"),
        ("x: 1\na: ${x}\n", "a.b", 1, "computed by a substitution"),
        ("a: 1\n", (), 1, "whole document"),
        ("", "a", float("nan"), "cannot be written"),
        ("", "a", ["", "x"], "drops empty strings"),
        ("", "a", {"b": object()}, "cannot be written"),
        ("", ("a", 'q"uote'), 1, "cannot be written"),
        ("a: 1\na: 2\n", "a", {"b": 1}, None),
    ],
)
def test_refusals(text: str, path: str, value: object, message: str | None) -> None:
    document = parse(text)
    if message is None:  # not a refusal: replacing duplicates with an object works
        document.set(path, value)
        assert pyhocon_plain(document.text) == {"a": value}
        return
    with pytest.raises((HoconEditError, HoconKeyError), match=message):
        document.set(path, value)
    assert document.text == text


def test_a_key_under_a_later_scalar_is_refused_up_front() -> None:
    # `a.b: 1` is overridden by the later `a: 7`: changing it would not change the value.
    text = "a.b: 1\na: 7\n"
    document = parse(text)
    with pytest.raises(HoconEditError, match="a is a number"):
        document.set("a.b", 2)
    assert document.text == text


@pytest.mark.parametrize(
    "bad_splice",
    [
        Splice(0, 1, "b"),  # renames the key: the tree changes elsewhere
        Splice(3, 4, "{"),  # the result does not parse
        Splice(3, 4, "2"),  # a different value than asked
    ],
)
def test_an_edit_whose_result_does_not_verify_is_refused(monkeypatch: pytest.MonkeyPatch, bad_splice: Splice) -> None:
    text = "a: 1\nc: 3\n"
    document = parse(text)
    monkeypatch.setattr(Planner, "set", lambda self, path, value: [bad_splice])
    with pytest.raises(HoconEditError, match="refusing to set a"):
        document.set("a", 5)
    assert document.text == text
    assert document.get("a") == 1


def test_include_statements_are_kept_around_edits() -> None:
    text = 'include "other.conf"\na: 1\n'
    assert edited(text, ("b", 2)) == 'include "other.conf"\na: 1\nb: 2\n'


def test_nested_lists_are_rendered_in_linear_work(monkeypatch: pytest.MonkeyPatch) -> None:
    from clearml_cfg.hocon import render

    calls = 0
    original = render.render_value

    def counted(*args: object, **kwargs: object) -> str:
        nonlocal calls
        calls += 1
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(render, "render_value", counted)
    value: object = 1
    for _ in range(16):  # rendering each level twice would make 2**17 calls
        value = [value]
    document = parse("# deep\n")
    document.set(("a",), value)
    assert calls <= 4 * 17
    assert pyhocon_plain(str(document))["a"] == value


# --- edits must leave a file that resolves ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "action", "where"),
    [
        ("a: 1\nc: ${a}\n", lambda d: d.unset("a"), "line 2, column 4: cannot resolve ${a}"),
        ('host: "x"\nurl: "http://"${host}"/api"\n', lambda d: d.unset("host"), "line 2, column 15"),
        ("a: x\nb: ${a} y\n", lambda d: d.set("a", {"o": 1}), "line 2, column 4: cannot concatenate"),
        ("a: x\nb: ${a} y\nc: ${HOME}\n", lambda d: d.unset("a"), "line 2, column 4"),  # HOME plays no part
        ("l: [1]\nm: ${l} [2]\n", lambda d: d.set("l", "s"), "cannot concatenate"),
    ],
)
def test_an_edit_that_breaks_a_substitution_the_file_satisfies_is_refused(text: str, action: Any, where: str) -> None:
    document = parse(text)
    with pytest.raises(HoconEditError, match="the server could not load the file after this") as refused:
        action(document)
    assert where in str(refused.value)
    now = "with this machine's environment" if "HOME" in text else "without help from the environment"
    assert str(refused.value).endswith(f"(it resolves now {now})")
    assert document.text == text
    document.set("z", 1)  # the document is still usable


@pytest.mark.parametrize(
    ("text", "action"),
    [
        ("c: ${?a}\na: 1\n", lambda d: d.unset("a")),  # optional: the key goes, as pyhocon reads it
        ("c: ${CLEARML_CFG_TEST_UNSET}\na: 1\n", lambda d: d.unset("a")),  # never resolved: not ours to judge
        ("a: ${CLEARML_CFG_TEST_HOME}\nb: ${a}\n", lambda d: d.set("c", 1)),  # the environment's part stays
        ("a: 1\nc: ${a}\n", lambda d: d.set("a", 2)),
    ],
)
def test_edits_that_break_nothing_the_file_satisfies_go_through(text: str, action: Any) -> None:
    document = parse(text)
    action(document)
    assert document.text != text


def test_an_edit_pyhocon_would_not_read_is_refused() -> None:
    # pyhocon writes the `+=` result over the later `a: [3]`: changing [3] changes nothing
    text = "a: [1]\na += [2]\na: [3]\n"
    document = parse(text)
    for action in (lambda: document.set("a", [5]), lambda: document.append("a", 5)):
        with pytest.raises(HoconEditError, match="pyhocon would not read the new value there"):
            action()
    assert document.text == text


def test_append_to_a_list_built_with_appends() -> None:
    document = parse("a: [1]\na += [2]\na += [\n  3\n]\n")
    document.append("a", 4)
    assert document.text == "a: [1]\na += [2]\na += [\n  3\n  4\n]\n"
    assert pyhocon_plain(document.text) == {"a": [1, 2, 3, 4]}
    document = parse("l: []\nl += [1]\n")
    document.append("l", {"k": "v"})
    assert document.text == 'l: []\nl += [1, { k: "v" }]\n'
    assert pyhocon_plain(document.text) == {"l": [1, {"k": "v"}]}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("b: [1]\na: ${b}\n", r"a is computed by a substitution \(line 2, column 1\), not a list"),
        ('a: "x"\na += "y"\n', "extended with '\\+=' by a value that is not a list written as \\[ ... \\] \\(line 2"),
    ],
)
def test_append_to_a_computed_value_says_why_not(text: str, message: str) -> None:
    document = parse(text)
    path = "x.a" if text.startswith("x") else "a"
    with pytest.raises(HoconEditError, match=message):
        document.append(path, 9)
    assert document.text == text


def test_append_to_a_value_that_depends_on_the_environment_follows_this_machines() -> None:
    """`a += [2]` inside x extends the root a, which is not set: pyhocon falls back to a variable `a` (none here)."""
    document = parse("x { a: [1]\n a += [2] }\n")
    document.append("x.a", 9)
    assert document.text == "x { a: [1]\n a += [2, 9] }\n"
    assert pyhocon_plain(document.text) == {"x": {"a": [2, 9]}}
