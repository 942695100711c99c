"""The server's secrets: which keys, the public defaults (by digest), and fresh values in the server's format."""

from __future__ import annotations

import re
import string

import pytest
from helpers import REFERENCE, needs_reference, pyhocon_plain

from clearml_cfg.model.credentials import (
    FORMATS,
    PUBLIC_DEFAULT_DIGESTS,
    SECRETS,
    Kind,
    is_public_default,
    kind_of,
    new_value,
)
from clearml_cfg.model.keys import lookup
from clearml_cfg.model.schema import is_secret

URL_SAFE = set(string.ascii_letters + string.digits + "-_")


@pytest.mark.parametrize("kind", list(Kind))
def test_fresh_values_have_the_servers_shape_and_never_repeat(kind: Kind) -> None:
    values = [new_value(kind) for _ in range(2000)]
    assert all(FORMATS[kind].fullmatch(v) for v in values)
    assert len(set(values)) == len(values)
    assert not any(is_public_default(v) for v in values)
    if kind is not Kind.ACCESS_KEY:  # about 1 in 32 draws starts with - or _: redrawn, and the rest is used
        assert {c for v in values for c in v[1:]} == URL_SAFE


def test_every_secret_is_a_secret_to_masking() -> None:
    assert len(SECRETS) == len(PUBLIC_DEFAULT_DIGESTS) == 10
    assert all(is_secret(s.path) for s in SECRETS)


def test_the_kind_of_a_secret_outside_the_list_comes_from_its_name() -> None:
    assert kind_of(("secure", "credentials", "other", "user_key")) is Kind.ACCESS_KEY
    assert kind_of(("secure", "credentials", "other", "user_secret")) is Kind.SECRET_KEY
    assert kind_of(("secure", "http", "session_secret", "webserver")) is Kind.SIGNING_SECRET
    assert kind_of(("secure", "auth", "token_secret")) is Kind.SIGNING_SECRET


@needs_reference
@pytest.mark.parametrize("component", ["apiserver", "fileserver"])
def test_the_public_defaults_and_their_shapes(component: str) -> None:
    """Each default value is recognised, and has the shape our fresh values of its kind have: access keys and
    signing secrets exactly; the default secret keys are shorter draws of the same alphabet than the 50 bytes
    the server's generator takes."""
    path = REFERENCE / "clearml-server" / component / "config" / "default" / "secure.conf"
    tree = {"secure": pyhocon_plain(path.read_text(encoding="utf-8"))}
    found = 0
    for secret in SECRETS:
        value = lookup(tree, secret.path, None)
        if value is None:
            continue  # the file server's default holds its own pair only
        found += 1
        assert is_public_default(value), secret.path
        if secret.kind is Kind.SECRET_KEY:
            assert re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{50,66}", value), value
        else:
            assert FORMATS[secret.kind].fullmatch(value), value
    assert found == (len(SECRETS) if component == "apiserver" else 2)
