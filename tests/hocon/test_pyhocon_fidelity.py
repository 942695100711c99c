"""The HOCON layer where a mutation fuzzer found it reading or editing differently from pyhocon (issue 14); each
case is judged by pyhocon itself."""

from __future__ import annotations

from typing import Any

import pytest
from oracle import oracle

from clearml_cfg.hocon import HoconEditUnresolvable, parse

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
