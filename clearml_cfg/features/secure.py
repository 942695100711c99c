"""secure: the server's own secrets, and what else leaves a fresh server open (SERVER-SEMANTICS §5, §6, §8).

clearml-server ships public values for its session and token secrets and for the credentials of its system users:
anyone can read them on GitHub, and with the public token secret anyone can sign a token for any user. ``state``
shows each secret with where the value the server uses comes from, and what else is open (Web Login off, the file
server without authentication, a database port published in docker-compose.yml), each with the command that
closes it. ``rotate`` writes fresh random values into secure.conf of the write directory, made readable by its owner
only, in one transaction; a value that a ``CLEARML__SECURE__...`` variable sets is left alone (no file wins over
it) and the variable is named. ``check --fix`` repairs `secure-default-credentials` with ``set_fresh``, the same edit.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import Message, NotSet, UsageError
from ..hocon import HoconEditError, HoconKeyError, KeyPath, format_path
from ..io.transaction import Transaction
from ..model.credentials import (
    SECRETS,
    SESSION_SECRET,
    TOKEN_SECRET,
    Kind,
    Secret,
    is_public_default,
    new_value,
    set_fresh,
)
from ..model.keys import MISSING, parse_key
from ..model.layout import file_for_key
from ..model.schema import MASK
from ..views.effective import Effective, Origin, origin_below
from ..views.snapshot import Snapshot
from .common import Options, Outcome, current, edit_hint, not_taking_effect, value_of
from .expose import published

PUBLIC = "public default"
EMPTY = "empty"
OWN = "own value"

WEB_LOGIN: KeyPath = ("apiserver", "auth", "fixed_users", "enabled")
FILE_AUTH: KeyPath = ("fileserver", "auth", "enabled")
FILESERVER_PAIR: KeyPath = ("secure", "credentials", "fileserver")
#: docker-compose.yml passes these to the API server (secure.credentials.services_agent) and to agent-services
AGENT_VARIABLES = ("CLEARML_AGENT_ACCESS_KEY", "CLEARML_AGENT_SECRET_KEY")
_ENV_ASSIGNMENT = re.compile(r"[ \t]*(?:export[ \t]+)?(?P<name>[A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*")


# --- the state ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SecretState:
    """One secret as the server will use it."""

    secret: Secret
    value: Any  # MISSING: nothing sets it, so the server's built-in default applies (public)
    origin: Origin | None
    label: str  # default, secure.conf:12, env CLEARML__SECURE__...

    @property
    def status(self) -> str:
        if self.value is MISSING or is_public_default(self.value):
            return PUBLIC
        return EMPTY if self.value in (None, "") else OWN

    @property
    def variable(self) -> str | None:
        return self.origin.variable if self.origin is not None and self.origin.kind == "env" else None

    def as_json(self, *, show_secrets: bool) -> dict[str, Any]:
        known = self.value is not MISSING
        return {
            "key": format_path(self.secret.path),
            "status": self.status,
            "value": (self.value if show_secrets else _masked(self.value)) if known else None,
            "origin": self.label,
            "file": str(self.origin.file) if self.origin and self.origin.file else None,
            "line": self.origin.line if self.origin else None,
            "variable": self.variable,
        }


@dataclass(frozen=True)
class Exposure:
    """Something besides the secrets that leaves the server open, and the command that closes it."""

    name: str
    state: str
    origin: str
    risk: str | None = None  # why it is open (None: it is not)
    fix: str | None = None

    @property
    def open(self) -> bool:
        return self.risk is not None

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "open": self.open,
            "state": self.state,
            "origin": self.origin,
            "risk": self.risk,
            "fix": self.fix,
        }


@dataclass
class State:
    secrets: list[SecretState]
    exposures: list[Exposure]
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _masked(value: Any) -> Any:
    return MASK if value not in (None, "") else value


def _origin(effective: Effective, path: KeyPath) -> Origin | None:
    found = origin_below(effective.origins, path)
    return found if isinstance(found, Origin) else None


def secret_state(effective: Effective, secret: Secret) -> SecretState:
    value = value_of(effective, secret.path)
    origin = _origin(effective, secret.path) if value is not MISSING else None
    label = effective.label(origin) if origin is not None else "default"
    return SecretState(secret, value, origin, label)


def state(options: Options, compose: Path | None = None) -> State:
    """Every secret with its origin and whether it is still public; Web Login, the file server's authentication
    and (with ``compose``) the databases' ports."""
    snapshot = options.snapshot()
    api = current(snapshot)
    files = current(snapshot, "fileserver")
    rows = [secret_state(api, secret) for secret in SECRETS]
    result = State(rows, [_web_login(api), _file_server(files)])
    result.warnings += _weak_warnings(rows) + pair_warnings(api, files)
    if compose is not None:
        result.exposures += _databases(compose)
    else:
        result.notes.append("database ports not checked: --compose FILE reads the server's docker-compose.yml")
    result.warnings += [Message(e.risk, e.fix) for e in result.exposures if e.risk is not None]
    return result


def _weak_warnings(rows: list[SecretState]) -> list[str]:
    """Public or empty signing secrets and public keys protect nothing; an empty key or secret breaks its user
    (the server removes the credentials of a system user whose pair is incomplete)."""
    warnings: list[str] = []
    exposed = [row for row in rows if row.status == PUBLIC or (row.status == EMPTY and row.secret.pair is None)]
    in_files = [row for row in exposed if row.variable is None]
    if in_files:
        paths = {row.secret.path for row in in_files}
        effects = [
            effect
            for present, effect in (
                (TOKEN_SECRET in paths, "anyone can sign an API token for any user"),
                (SESSION_SECRET in paths, "anyone can forge the web app's sessions"),
                (any(row.secret.pair for row in in_files), "anyone can call the API as the server's system users"),
            )
            if present
        ]
        warnings.append(
            Message(
                f"{len(in_files)} of the server's {len(rows)} secrets are public defaults or empty: "
                + "; ".join(effects),
                "clearml-cfg secure --rotate writes fresh random ones into secure.conf",
            )
        )
    for row in exposed:
        if row.variable is not None:
            warnings.append(
                Message(
                    f"{format_path(row.secret.path)} comes from {row.variable}, which holds "
                    f"{'a ' + PUBLIC if row.status == PUBLIC else 'nothing'} and wins over every file",
                    f"set {row.variable} to a fresh value, or unset it and run clearml-cfg secure --rotate",
                )
            )
    for row in rows:
        if row.status == EMPTY and row.secret.pair is not None:
            fix = f"clearml-cfg secure --rotate {format_path(row.secret.pair)}"
            warnings.append(
                Message(
                    f"{format_path(row.secret.path)} is empty ({row.label}): at start-up the server removes the "
                    f"credentials of that system user, and what uses them cannot sign in",
                    f"set {row.variable} to a fresh value" if row.variable else fix,
                )
            )
    return warnings


def pair_warnings(api: Effective, files: Effective) -> list[str]:
    """The file server authenticates with the pair its own loader reads: it must be the API server's."""
    warnings: list[str] = []
    for secret in SECRETS:
        if secret.pair != FILESERVER_PAIR:
            continue
        theirs, ours = secret_state(files, secret), secret_state(api, secret)
        if theirs.value != ours.value:
            key = format_path(secret.path)
            warnings.append(
                Message(
                    f"the file server reads {key} from {theirs.label}, the API server from {ours.label}, and the "
                    "values differ: the file server cannot authenticate to the API server",
                    "keep one secure.conf in /opt/clearml/config, which both servers read (docker-compose mounts it "
                    "into both), and set the same variables for both",
                )
            )
    return warnings


def _web_login(api: Effective) -> Exposure:
    enabled = value_of(api, WEB_LOGIN)
    origin = _origin(api, WEB_LOGIN)
    label = api.label(origin) if origin is not None else "default"
    if enabled is not MISSING and enabled:  # the server tests truthiness
        return Exposure("web login", "on: only the fixed users log in", label)
    fix = "clearml-cfg add-user USERNAME (turns Web Login on)"
    if origin is not None and origin.kind == "env":
        fix = f"unset {origin.variable}, then {fix}"
    risk = "Web Login is off: anyone who reaches the web app logs in, under any name and without a password"
    return Exposure("web login", "off: anyone can log in", label, risk, fix)


def _file_server(files: Effective) -> Exposure:
    enabled = value_of(files, FILE_AUTH)
    if enabled is MISSING:  # the file server's own default fileserver.conf turns it on
        return Exposure("file server", "authentication on", "default")
    origin = _origin(files, FILE_AUTH)
    label = files.label(origin)
    if enabled:  # tested for truthiness, as the server does
        return Exposure("file server", "authentication on", label)
    fix = f"clearml-cfg set {format_path(FILE_AUTH)} true"
    if origin is not None and origin.kind == "env":
        fix = f"unset {origin.variable} (or set it to true)"
    risk = (
        f"the file server's authentication is off ({label}): anyone who reaches port 8081 downloads, uploads and "
        "deletes files"
    )
    return Exposure("file server", "authentication off", label, risk, fix)


def _databases(compose: Path) -> list[Exposure]:
    found = []
    for result in published(compose):
        if result.status == "no such service":
            continue
        origin = f"{compose}:{result.line}" if result.line else str(compose)
        name = f"{result.service} port {result.port}"
        if not result.entries:
            found.append(Exposure(name, "not published", origin))
            continue
        entries = ", ".join(str(e) for e in result.entries)
        risk = (
            f"{origin} publishes the port of {result.service} ({entries}), which asks for no password: anyone who "
            "reaches it reads and changes all data"
        )
        fix = f"clearml-cfg expose --remove {result.service} --compose {compose}"
        found.append(Exposure(name, f"published ({entries})", origin, risk, fix))
    return found


# --- rotating -----------------------------------------------------------------------------------------------


def chosen(names: Sequence[str]) -> list[Secret]:
    """The secrets ``names`` select (a key, or a section holding several: ``secure.credentials.fileserver``);
    every one when no name is given. ``secure.`` may be left out."""
    if not names:
        return list(SECRETS)
    wanted: set[Secret] = set()
    for name in names:
        path = parse_key(name)
        if path[0] != "secure":
            path = ("secure", *path)
        matched = [s for s in SECRETS if s.path[: len(path)] == path]
        if not matched:
            raise UsageError(
                f"{name!r} is not one of the server's secrets",
                f"name one of {', '.join(format_path(s.path) for s in SECRETS)}, or a section holding several "
                "(secure.credentials.fileserver)",
            )
        wanted.update(matched)
    return [s for s in SECRETS if s in wanted]


@dataclass
class Rotation:
    outcome: Outcome
    rotated: list[KeyPath] = field(default_factory=list)
    kept: list[tuple[KeyPath, str]] = field(default_factory=list)  # set by a variable: (key, variable)
    agent_env: Path | None = None


def rotate(options: Options, secrets: Sequence[Secret], agent_env: Path | None = None) -> Rotation:
    """Fresh values for ``secrets`` in the write directory, and with ``agent_env`` a key pair for the services
    agent in that docker-compose .env file: one transaction, every file written owner-only, all or nothing."""
    if agent_env is not None:
        check_env_file(agent_env)
    result = Rotation(Outcome(), agent_env=agent_env)
    written: dict[KeyPath, str] = {}
    snapshot: Snapshot | None = None
    with options.transaction() as tx:
        if secrets:
            snapshot = _write_secrets(tx, options, secrets, result, written)
        if agent_env is not None:
            pair = {AGENT_VARIABLES[0]: new_value(Kind.ACCESS_KEY), AGENT_VARIABLES[1]: new_value(Kind.SECRET_KEY)}
            tx.lock(agent_env.parent)
            tx.edit_text(agent_env, lambda text: with_variables(text, pair), private=True)
        result.outcome.changes = tx.commit()
    outcome = result.outcome
    if snapshot is not None:
        snapshot.refresh()
        outcome.warnings += not_taking_effect(snapshot, written, dry_run=options.dry_run)
        api, files = current(snapshot, for_write=True), current(snapshot, "fileserver", for_write=True)
        outcome.warnings += pair_warnings(api, files)
    outcome.warnings += [
        Message(
            f"{format_path(path)} is left as it is: {variable} sets it, and wins over every file",
            f"set {variable} to a fresh value where it is defined, or unset it and run clearml-cfg secure --rotate",
        )
        for path, variable in result.kept
    ]
    if agent_env is not None:
        outcome.warnings += [
            Message(
                f"{name} is set in this shell: docker compose uses it instead of {agent_env.name}",
                f"unset {' '.join(AGENT_VARIABLES)} before docker compose up",
            )
            for name in AGENT_VARIABLES
            if name in options.env
        ][:1]
        outcome.notes.append(
            f"{' and '.join(AGENT_VARIABLES)} in {agent_env}: docker compose passes them to the API server "
            "(secure.credentials.services_agent) and to agent-services; it reads .env beside docker-compose.yml"
        )
    return result


def _write_secrets(
    tx: Transaction, options: Options, secrets: Sequence[Secret], result: Rotation, written: dict[KeyPath, str]
) -> Snapshot:
    """Set each secret in the file of the write directory that holds it, unless a variable sets it."""
    directory = options.dirs.write_dir
    tx.lock(directory)
    snapshot = options.snapshot(tx.reader)
    effective = snapshot.effective("apiserver", ignore_bad_env=True)  # a bad variable does not stop a fix
    for secret in secrets:
        origin = _origin(effective, secret.path)
        if origin is not None and origin.kind == "env" and origin.variable:
            result.kept.append((secret.path, origin.variable))
            continue
        config_file, inner = file_for_key(directory, snapshot.files.files(directory), secret.path)
        document = tx.document(config_file.path, secret=True, private=True)
        try:
            written[secret.path] = set_fresh(document, inner, secret.path)
        except HoconKeyError as e:
            raise NotSet(f"{format_path(secret.path)}: {e}") from None
        except HoconEditError as e:
            raise UsageError(
                f"cannot set {format_path(secret.path)} in {config_file.path}: {e}", edit_hint(e)
            ) from None
        result.rotated.append(secret.path)
    return snapshot


def restart_advice(rotation: Rotation) -> str:
    """What to restart, said once, and what the restart does to the people using the server."""
    effects = []
    if SESSION_SECRET in rotation.rotated:
        effects.append("every browser is logged out")
    if TOKEN_SECRET in rotation.rotated:
        effects.append("every issued token stops working (SDK clients and agents sign in again with their keys)")
    if rotation.agent_env is None:
        advice = "restart apiserver and fileserver to apply (docker compose restart apiserver fileserver)"
    elif rotation.rotated:  # new variables need new containers; a changed file alone would not make new ones
        advice = "apply with docker compose up -d --force-recreate apiserver fileserver agent-services"
    else:
        advice = "apply with docker compose up -d (it recreates apiserver and agent-services with the new variables)"
    return advice + (f"; then {' and '.join(effects)}" if effects else "")


# --- the services agent's .env -----------------------------------------------------------------------------


def check_env_file(path: Path) -> None:
    """FILE of --agent-env: a regular file or a new one in an existing directory, never a *.conf file (the server
    would load it as configuration, had it been in the config directory)."""
    if path.name.endswith(".conf"):
        raise UsageError(
            f"--agent-env {path}: a *.conf file is configuration to the server",
            "write the agent's keys to docker-compose's .env file, e.g. --agent-env /opt/clearml/.env",
        )
    try:
        info = path.stat()
    except FileNotFoundError:
        if path.is_symlink():
            raise UsageError(f"--agent-env {path} is a link to nothing", f"remove the link {path}") from None
        if not path.parent.is_dir():
            raise UsageError(
                f"--agent-env {path}: {path.parent} is not a directory", "name a file in the docker-compose directory"
            ) from None
        return
    except OSError as e:
        raise UsageError(f"--agent-env {path}: {e.strerror}", "name a regular file") from None
    if not stat.S_ISREG(info.st_mode):
        raise UsageError(f"--agent-env {path} is not a regular file", "name docker-compose's .env file")
    try:
        path.read_bytes().decode("utf-8")
    except OSError as e:
        raise UsageError(f"--agent-env {path}: cannot read it: {e.strerror}", "name a file you can read") from None
    except UnicodeDecodeError as e:
        raise UsageError(
            f"--agent-env {path} is not UTF-8 text (byte 0x{e.object[e.start]:02x} at offset {e.start})",
            "docker compose reads .env as UTF-8: re-save it as UTF-8, or name another file",
        ) from None


def with_variables(text: str | None, values: dict[str, str]) -> str:
    """``text`` of a .env file with each of ``values`` set: every line that assigns one gets the new value (its
    name and ``export`` as written), the others stay as they are; a missing one is added at the end."""
    lines = [line for line in re.split(r"(?<=\n)", text or "") if line]  # docker compose splits at \n only
    newline = "\r\n" if "\r\n" in (text or "") else "\n"
    done: set[str] = set()
    for index, line in enumerate(lines):
        match = _ENV_ASSIGNMENT.match(line)
        if match is None or match["name"] not in values:
            continue
        body = line.rstrip("\r\n")
        lines[index] = line[: match.end()] + values[match["name"]] + line[len(body) :]
        done.add(match["name"])
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += newline
    lines += [f"{name}={value}{newline}" for name, value in values.items() if name not in done]
    return "".join(lines)
