"""features/secure.py: --rotate over secure.conf in random layouts (judged by pyhocon, the server's parser), the
services agent's keys in a docker-compose .env file, and the file server's pair as each server reads it."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import pytest
from helpers import pyhocon_plain
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clearml_cfg.features.common import Options
from clearml_cfg.features.secure import pair_warnings, rotate, with_variables
from clearml_cfg.model.credentials import FORMATS, SECRETS
from clearml_cfg.model.keys import lookup
from clearml_cfg.model.layout import config_dirs
from clearml_cfg.model.schema import walk
from clearml_cfg.views.effective import Effective, compute

# --- --rotate over random layouts -----------------------------------------------------------------------------

VALUES = st.sampled_from(['"old-value"', "old-unquoted", '"""old triple"""', '"a" "b"', '""', "12345"])


@st.composite
def secure_text(draw: st.DrawFn) -> str:
    """Each secret absent, dotted at the top, or inside nested blocks (sometimes twice: the last one wins), with
    neighbours, comments, `=` or `:`, CRLF or LF."""
    nl = draw(st.sampled_from(["\n", "\r\n"]))
    sep = draw(st.sampled_from([": ", " = ", ":"]))
    lines: list[str] = []
    blocks: dict[tuple[str, ...], list[str]] = {}
    for secret in SECRETS:
        inner = secret.path[1:]
        for _ in range(draw(st.sampled_from([0, 1, 1, 1, 2]))):
            if draw(st.booleans()):
                lines.append(".".join(inner) + sep + draw(VALUES) + draw(st.sampled_from(["", "  # was public"])))
            else:
                blocks.setdefault(inner[:-1], []).append(inner[-1] + sep + draw(VALUES))
    if draw(st.booleans()):
        lines.append('credentials.apiserver.role: "system"')
    for parents, fields in blocks.items():
        opening = " { ".join(parents) + " {"
        lines.append(opening + nl + nl.join("    " + f for f in fields) + nl + "}" * len(parents))
    order = draw(st.permutations(range(len(lines))))
    body = nl.join(lines[i] for i in order)
    return ("# the server's secrets" + nl if draw(st.booleans()) else "") + body + (nl if draw(st.booleans()) else "")


def plain(tree: Any) -> dict[tuple[Any, ...], Any]:
    return {path: value for path, value in walk(tree, ()) if not isinstance(value, dict)}


@settings(
    max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", 60)),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(secure_text())
def test_rotation_replaces_the_secrets_and_nothing_else(text: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        directory = Path(scratch)
        path = directory / "secure.conf"
        path.write_bytes(text.encode())
        before = {"secure": pyhocon_plain(text)}
        rotation = rotate(Options(dirs=config_dirs(str(directory), {}), env={}), SECRETS)
        after_text = path.read_bytes().decode()
        after = {"secure": pyhocon_plain(after_text)}
        assert rotation.rotated == [s.path for s in SECRETS]
        for secret in SECRETS:
            assert FORMATS[secret.kind].fullmatch(lookup(after, secret.path))
        secret_paths = {s.path for s in SECRETS}
        kept = {p: v for p, v in plain(before).items() if p not in secret_paths}
        assert {p: v for p, v in plain(after).items() if p not in secret_paths} == kept
        assert path.stat().st_mode & 0o777 == 0o600
        assert after_text.count("\r\n") >= text.count("\r\n")  # the file's line breaks kept


# --- the file server's pair ----------------------------------------------------------------------------------

PAIR = 'credentials.fileserver { user_key: "%s", user_secret: "S" }\n'


def effective(directory: Path, text: str | None, component: str) -> Effective:
    directory.mkdir()
    if text is not None:
        (directory / "secure.conf").write_text(text)
    return compute(config_dirs(str(directory), {}), {}, component=component)


def test_a_pair_that_differs_between_the_servers_is_named(tmp_path: Path) -> None:
    api = effective(tmp_path / "a", PAIR % "KEY1", "apiserver")
    same = effective(tmp_path / "b", PAIR % "KEY1", "fileserver")
    other = effective(tmp_path / "c", PAIR % "KEY2", "fileserver")
    default = effective(tmp_path / "d", None, "fileserver")
    assert pair_warnings(api, same) == []
    (warning,) = pair_warnings(api, other)
    assert warning.startswith("the file server reads secure.credentials.fileserver.user_key from secure.conf:1")
    assert len(pair_warnings(api, default)) == 2


# --- the services agent's .env ------------------------------------------------------------------------------

NEW = {"CLEARML_AGENT_ACCESS_KEY": "K2", "CLEARML_AGENT_SECRET_KEY": "S2"}


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (None, "CLEARML_AGENT_ACCESS_KEY=K2\nCLEARML_AGENT_SECRET_KEY=S2\n"),
        ("", "CLEARML_AGENT_ACCESS_KEY=K2\nCLEARML_AGENT_SECRET_KEY=S2\n"),
        ("A=1", "A=1\nCLEARML_AGENT_ACCESS_KEY=K2\nCLEARML_AGENT_SECRET_KEY=S2\n"),
        ("A=1\r\n", "A=1\r\nCLEARML_AGENT_ACCESS_KEY=K2\r\nCLEARML_AGENT_SECRET_KEY=S2\r\n"),
        (
            "# keys\nCLEARML_AGENT_SECRET_KEY = old\nB=2\n",
            "# keys\nCLEARML_AGENT_SECRET_KEY = S2\nB=2\nCLEARML_AGENT_ACCESS_KEY=K2\n",
        ),
        (
            "export CLEARML_AGENT_ACCESS_KEY=a\nCLEARML_AGENT_ACCESS_KEY=b # again\n",
            "export CLEARML_AGENT_ACCESS_KEY=K2\nCLEARML_AGENT_ACCESS_KEY=K2\nCLEARML_AGENT_SECRET_KEY=S2\n",
        ),
        (
            "#CLEARML_AGENT_ACCESS_KEY=commented\nMY_CLEARML_AGENT_ACCESS_KEY=x\n",
            "#CLEARML_AGENT_ACCESS_KEY=commented\nMY_CLEARML_AGENT_ACCESS_KEY=x\n"
            "CLEARML_AGENT_ACCESS_KEY=K2\nCLEARML_AGENT_SECRET_KEY=S2\n",
        ),
        (
            "A='x\fCLEARML_AGENT_ACCESS_KEY=no'\n",
            "A='x\fCLEARML_AGENT_ACCESS_KEY=no'\nCLEARML_AGENT_ACCESS_KEY=K2\nCLEARML_AGENT_SECRET_KEY=S2\n",
        ),
    ],
)
def test_with_variables(before: str | None, after: str) -> None:
    assert with_variables(before, NEW) == after
