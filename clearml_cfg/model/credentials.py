"""The server's own secrets (secure.conf, SERVER-SEMANTICS §8): which keys hold them, whether a value is one of the
public defaults shipped with clearml-server, and fresh values in the format of the keys the server generates.

The server makes an access key of 30 upper-case letters and digits, and a secret key with
``secrets.token_urlsafe(50)`` (67 characters of ``A-Za-z0-9-_``), drawn again while it starts with ``-`` or ``_``;
the session and token secrets of its default secure.conf are 54 characters of the same alphabet. Values start with a
letter or digit so that they never read as an option on a command line, nor as YAML syntax.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import string
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ..hocon import Document, KeyPath


class Kind(str, Enum):
    ACCESS_KEY = "access key"
    SECRET_KEY = "secret key"
    SIGNING_SECRET = "signing secret"


_UPPER_DIGITS = string.ascii_uppercase + string.digits
#: random bytes behind a url-safe secret: 50 give the server's 67 characters, 40 the defaults' 54
_SECRET_BYTES = {Kind.SECRET_KEY: 50, Kind.SIGNING_SECRET: 40}
ACCESS_KEY_LENGTH = 30

#: The shape of each kind of value: what the server's own generator (and its default secure.conf) produce.
FORMATS: dict[Kind, re.Pattern[str]] = {
    Kind.ACCESS_KEY: re.compile(rf"[A-Z0-9]{{{ACCESS_KEY_LENGTH}}}"),
    Kind.SECRET_KEY: re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{66}"),
    Kind.SIGNING_SECRET: re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{53}"),
}


@dataclass(frozen=True)
class Secret:
    path: KeyPath
    kind: Kind
    what: str  # what it protects, for messages

    @property
    def pair(self) -> KeyPath | None:
        """The credentials (``secure.credentials.NAME``) this key or secret belongs to; None for a signing secret."""
        return self.path[:3] if self.path[1] == "credentials" else None


def _credentials(name: str, user: str) -> tuple[Secret, Secret]:
    base = ("secure", "credentials", name)
    return (
        Secret((*base, "user_key"), Kind.ACCESS_KEY, f"the access key of {user}"),
        Secret((*base, "user_secret"), Kind.SECRET_KEY, f"the secret key of {user}"),
    )


#: Every secret the server ships with a public value, in the order of its default secure.conf.
SECRETS: tuple[Secret, ...] = (
    Secret(("secure", "http", "session_secret", "apiserver"), Kind.SIGNING_SECRET, "it signs the web app's sessions"),
    Secret(("secure", "auth", "token_secret"), Kind.SIGNING_SECRET, "it signs every API token"),
    *_credentials("apiserver", "the API server's system user"),
    *_credentials("fileserver", "the file server's system user"),
    *_credentials("webserver", "the web server's system user"),
    *_credentials("tests", "the tests user"),
)
SESSION_SECRET, TOKEN_SECRET = SECRETS[0].path, SECRETS[1].path

# SHA-256 of the values shipped in clearml-server's default secure.conf (public, so they protect nothing).
# Digests, not the values: a test checks them against ../shared/reference where it exists.
PUBLIC_DEFAULT_DIGESTS = frozenset(
    {
        "b6bcb89784ec109857797236fae867027664aa0ae51f5b086ebcfc9409217930",  # auth.token_secret
        "243dc384849c2f27b1e4edd40a2e5f54e107c0cdd35f75e0189db26cc47a84b6",  # credentials.apiserver.user_key
        "e734a805d77c509f1e3db0e8a0c2d7f87d112d6c9ec505fd2b0a27b29b267e1b",  # credentials.apiserver.user_secret
        "984d287f13525ae89ed2a886fca2580b250bef0a25017f5bdd44ac8bcb7c852b",  # credentials.fileserver.user_key
        "12a64aebc6b32ca86da4e1d346917f43256340530f49940cf863636bd51f723a",  # credentials.fileserver.user_secret
        "397d5a1d9bc2b9202cc9c88fe409e9a86e4225e16596e6d8d19bf28d246515c4",  # credentials.tests.user_key
        "de7c1fce12119657e43f4b95961403f8a01c117c18f7d7cb662d2969b9bb4e01",  # credentials.tests.user_secret
        "5b5bdac1a0d4cf22022368baa10c1bac2818e80074b149cafbba2be8f8b312b9",  # credentials.webserver.user_key
        "a1e4036636b52f2c4b0f7fca7d1af9086efe56dd47dc20ffca867cf3c7378a2f",  # credentials.webserver.user_secret
        "98098dd7eb042c94fbd83e1e3979a9cb3aef3e23a0d94679c0ac3118759bebea",  # http.session_secret.apiserver
    }
)


def is_public_default(value: object) -> bool:
    return isinstance(value, str) and hashlib.sha256(value.encode("utf-8")).hexdigest() in PUBLIC_DEFAULT_DIGESTS


def kind_of(path: KeyPath) -> Kind:
    """The kind of value a secret of secure.conf takes: by its name where it is not one of ``SECRETS``
    (``credentials.NAME.user_key`` is an access key wherever NAME)."""
    known = next((s for s in SECRETS if s.path == tuple(path)), None)
    if known is not None:
        return known.kind
    last = path[-1] if path else None
    return Kind.ACCESS_KEY if last == "user_key" else Kind.SECRET_KEY if last == "user_secret" else Kind.SIGNING_SECRET


def new_value(kind: Kind) -> str:
    """A fresh random value of ``kind``, from the operating system's cryptographic source."""
    if kind is Kind.ACCESS_KEY:
        return "".join(secrets.choice(_UPPER_DIGITS) for _ in range(ACCESS_KEY_LENGTH))
    while True:  # 1 draw in 32 starts with '-' or '_'
        value = secrets.token_urlsafe(_SECRET_BYTES[kind])
        if value[0].isalnum():
            return value


def weak(value: Any) -> bool:
    """Whether a value protects nothing: a public default, or empty (the server then resets the user's
    credentials, or signs with an empty key)."""
    return value is None or value == "" or is_public_default(value)


def set_fresh(document: Document, inner: KeyPath, path: KeyPath) -> str:
    """Write a fresh random value for the secret the server reads at ``path``, at the key ``inner`` of
    ``document``, in the format of that kind of secret; returns the value. ``check --fix`` writes with it too."""
    value = new_value(kind_of(path))
    document.set(inner, value)
    return value
