"""The loader's merge and its `-key` rule (SERVER-SEMANTICS §3), checked against the server's own
``_merge_configs`` where ../shared/reference is present."""

from __future__ import annotations

import sys
from typing import Any

import pytest
from helpers import REFERENCE
from server_oracle import SERVER_CONFIG, server_config

from clearml_cfg.hocon import QuotedKey
from clearml_cfg.model.merge import EmptyKey, land, landed_path, merge, merge_traced


def test_a_dash_key_replaces_the_key_below() -> None:
    base = {"apiserver": {"cors": {"origins": "*", "supports_credentials": True}, "x": 1}}
    layer = {"apiserver": {"-cors": {"origins": "https://a"}}}
    assert merge(base, layer, dash_rule=True) == {"apiserver": {"cors": {"origins": "https://a"}, "x": 1}}


def test_a_dash_key_that_the_merge_visits_loses_its_dash_whether_the_key_existed_or_not() -> None:
    """Class A: `-newkey: 5` in apiserver.conf is apiserver.newkey; `--x` becomes `-x`."""
    base = {"apiserver": {"auth": {"x": 1}}}
    layer = {"apiserver": {"-newkey": 5, "--x": 1, "auth": {"-brand": {"b": 2}}}}
    assert merge(base, layer, dash_rule=True) == {
        "apiserver": {"auth": {"x": 1, "brand": {"b": 2}}, "newkey": 5, "-x": 1}
    }


def test_below_a_key_set_whole_nothing_is_visited() -> None:
    """`newthing { -inner: 1 }` keeps `-inner` when newthing is new: the merge sets it whole."""
    merged = merge({"apiserver": {}}, {"apiserver": {"newthing": {"-inner": 1}}}, dash_rule=True)
    assert merged == {"apiserver": {"newthing": {"-inner": 1}}}


def test_a_key_pyhocon_keeps_quoted_never_replaces() -> None:
    """Class B: `"a.b": 1` and `"-a.b": 2` are two keys for the server."""
    layer = {QuotedKey("a.b"): 1, QuotedKey("-a.b"): 2}
    assert merge({"a.b": 0}, layer, dash_rule=True) == {"a.b": 1, "-a.b": 2}


def test_without_the_rule_a_dash_key_is_a_key() -> None:
    assert merge({"cors": {"a": 1}}, {"-cors": {"b": 2}}, dash_rule=False) == {"cors": {"a": 1}, "-cors": {"b": 2}}


def test_the_order_of_a_layers_keys_decides() -> None:
    """`-x` then `x` in one layer: x is replaced, then merged into; the other way round, x is replaced last."""
    assert merge({"x": {"a": 1}}, {"-x": {"b": 2}, "x": {"c": 3}}, dash_rule=True) == {"x": {"b": 2, "c": 3}}
    assert merge({"x": {"a": 1}}, {"x": {"c": 3}, "-x": {"b": 2}}, dash_rule=True) == {"x": {"b": 2}}


def test_the_renames_say_where_a_layer_lands() -> None:
    renamed: dict[Any, str] = {}
    layer = {"apiserver": {"-cors": {"a": 1}, "new": {"-inner": 1}}}
    merge({"apiserver": {}}, layer, dash_rule=True, renamed=renamed)
    assert renamed == {("apiserver", "-cors"): "cors"}
    assert land(layer, renamed) == ({"apiserver": {"cors": {"a": 1}, "new": {"-inner": 1}}}, {("apiserver", "cors")})
    assert landed_path(("apiserver", "-cors", "a"), renamed) == ("apiserver", "cors", "a")


def test_traced_merge_carries_the_notes_along() -> None:
    base, notes = {"a": {"x": 1, "y": 1}}, {"a": {"x": "d", "y": "d"}}
    merge_traced(base, notes, {"a": {"x": 2}, "-b": {"z": 3}}, "f", dash_rule=True)
    assert base == {"a": {"x": 2, "y": 1}, "b": {"z": 3}}
    assert notes == {"a": {"x": "f", "y": "d"}, "b": "f"}


def test_a_lone_dash_becomes_an_empty_key_that_the_loader_cannot_copy() -> None:
    tree: dict[str, Any] = {}
    merge(tree, {"apiserver": {"x": 1}}, dash_rule=True, copies=True)
    merge(tree, {"apiserver": {"-": 1}}, dash_rule=True, copies=True)
    assert tree == {"apiserver": {"x": 1, "": 1}}
    with pytest.raises(EmptyKey) as raised:
        merge(tree, {"apiserver": {}}, dash_rule=True, copies=True)
    assert raised.value.path == ("apiserver", "")
    merge(tree, {"-apiserver": {}}, dash_rule=True, copies=True)  # replaced whole: nothing copies it
    assert tree == {"apiserver": {}}


def _server_merge() -> Any:
    """The server's ``BasicConfig._merge_configs``, imported from the reference tree as server-config does."""
    server_config()._stand_ins()
    sys.path.insert(0, str(REFERENCE / "clearml-server"))
    try:
        from apiserver.config.basic import BasicConfig
    finally:
        sys.path.pop(0)
    return BasicConfig._merge_configs


@pytest.mark.skipif(not SERVER_CONFIG.is_file(), reason="../shared/tools/server-config is absent")
@pytest.mark.parametrize(
    ("base", "layer"),
    [
        ("apiserver { auth { x: 1 } }", "apiserver { -newkey: 5, --x: 1, auth { -brand { b: 2 } } }"),
        ("apiserver { cors { a: 1 } }", 'apiserver { "a.b": 1, "-a.b": 2, "-x": 3, new { -inner: 1 } }'),
        ("x { a: 1 }", "-x { b: 2 }, x { c: 3 }"),
    ],
)
def test_the_rule_is_the_servers(base: str, layer: str) -> None:
    from pyhocon import ConfigFactory

    from clearml_cfg.views.server_reading import plain

    server = _server_merge()(ConfigFactory.parse_string(base), ConfigFactory.parse_string(layer), copy_trees=True)
    ours = merge(plain(ConfigFactory.parse_string(base)), plain(ConfigFactory.parse_string(layer)), dash_rule=True)
    assert plain(server) == ours
