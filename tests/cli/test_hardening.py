"""Hardening: bad input, faults mid-write, killed processes, and random use of the whole command line."""

from __future__ import annotations

import errno
import io
import json
import os
import random
import re
import resource
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest
from conftest import Run, write
from helpers import DATA, pyhocon_plain
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strategies import VALUES, documents

from clearml_cfg.model.keys import parse_key
from clearml_cfg.model.schema import MASK

BAD = sorted((DATA / "bad").glob("*.conf"))
LOCATED = re.compile(r"apiserver\.conf:(\d+):(\d+)[: ]")

EXPECTED_LOCATION = {
    "binary-junk.conf": (1, 1),
    "byte-order-mark.conf": (1, 1),
    "invalid-utf8.conf": (1, 26),
    "mixed-newlines.conf": (4, 18),
    "truncated.conf": (3, 19),
    "unclosed-list.conf": (3, 1),  # `b: 3` reads as one more element: the list is still open at the end
    "unterminated-string.conf": (2, 22),
    "unterminated-substitution.conf": (1, 14),
}


@pytest.mark.parametrize("path", BAD, ids=lambda p: p.name)
def test_each_bad_file_is_exit_3_with_its_location(cli: Run, config_dir: Path, path: Path) -> None:
    target = config_dir / "apiserver.conf"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(path.read_bytes())
    for args in (("get", "apiserver.x"), ("set", "apiserver.x", "1"), ("show", "--effective"), ("check",)):
        result = cli(*args)
        assert result.code == 3, (args, str(result))
        where = LOCATED.search(result.err) or LOCATED.search(result.out)
        assert where, result
        assert (int(where.group(1)), int(where.group(2))) == EXPECTED_LOCATION[path.name], result
    assert target.read_bytes() == path.read_bytes()


def test_the_corpus_is_complete() -> None:
    assert sorted(p.name for p in BAD) == sorted(EXPECTED_LOCATION)


def test_a_20_mb_file_is_refused_up_front(cli: Run, config_dir: Path) -> None:
    target = config_dir / "apiserver.conf"
    target.parent.mkdir(parents=True, exist_ok=True)
    line = b'key_%07d: "a value that is long enough to make the file large quickly........"\n'
    with open(target, "wb") as out:
        for index in range(20 * 1024 * 1024 // len(line % 0) + 1):
            out.write(line % index)
    result = cli("get", "apiserver.x")
    assert result.code == 3
    assert "apiserver.conf:1:1: 20.0 MB is far too large" in result.err


def test_ten_thousand_levels_of_nesting(cli: Run, config_dir: Path) -> None:
    write(config_dir / "apiserver.conf", "a: " + "{a: " * 10_000 + "1" + "}" * 10_000 + "\n")
    result = cli("get", "apiserver.a")
    assert result.code == 3
    assert "apiserver.conf:1:" in result.err and "nested deeper than 100 levels" in result.err


# --- faults -------------------------------------------------------------------------------------------------

KEY = "apiserver.auth.cookies.domain"
ORIGINAL = "# original\nauth.cookies.secure: true\n"


@pytest.mark.parametrize(
    ("function", "error"),
    [("fsync", errno.EIO), ("fsync", errno.ENOSPC), ("replace", errno.EACCES), ("replace", errno.EROFS)],
)
def test_a_write_that_fails_midway_leaves_the_original(
    cli: Run, config_dir: Path, monkeypatch: pytest.MonkeyPatch, function: str, error: int
) -> None:
    path = write(config_dir / "apiserver.conf", ORIGINAL)

    def fail(*_: object, **__: object) -> None:
        raise OSError(error, os.strerror(error))

    monkeypatch.setattr(os, function, fail)
    result = cli("set", KEY, ".x.com", "--no-backup")
    assert result.code == 4, result
    assert result.err.startswith("error: cannot write") and "hint:" in result.err
    assert path.read_text() == ORIGINAL
    assert sorted(p.name for p in config_dir.iterdir() if not p.name.startswith(".clearml-cfg")) == ["apiserver.conf"]


def _run_limited(args: list[str], env: dict[str, str], limit: int) -> subprocess.CompletedProcess[str]:
    def limit_file_size() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # get EFBIG instead of being killed
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "clearml_cfg", *args],
        env=env,
        capture_output=True,
        text=True,
        preexec_fn=limit_file_size,
    )


def test_ulimit_file_size_is_exit_4_and_the_file_stays(tmp_path: Path) -> None:
    config = tmp_path / "c"
    path = write(config / "apiserver.conf", ORIGINAL)
    env = {**os.environ, "CLEARML_CONFIG_DIR": str(config)}
    result = _run_limited(["set", "apiserver.long", "x" * 5000], env, limit=2000)
    assert result.returncode == 4, result.stderr
    assert "file too large for this process" in result.stderr
    assert path.read_text() == ORIGINAL


WRITER = textwrap.dedent(
    """
    import sys
    from clearml_cfg.cli import main
    for i in range(200):
        main(["set", "apiserver.counter", str(i), "--quiet", "--no-backup"])
    """
)


def test_sigkill_at_random_moments_never_leaves_a_torn_file(tmp_path: Path) -> None:
    config = tmp_path / "c"
    path = write(config / "apiserver.conf", "# counted\ncounter: -1\n")
    env = {**os.environ, "CLEARML_CONFIG_DIR": str(config)}
    rng = random.Random(20261129)
    seen = set()
    for _ in range(12):
        process = subprocess.Popen([sys.executable, "-c", WRITER], env=env, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, 1.5))
        process.send_signal(signal.SIGKILL)
        process.wait()
        text = path.read_text()
        match = re.fullmatch(r"# counted\ncounter: (-?\d+)\n", text)
        assert match, f"torn file: {text!r}"
        seen.add(int(match.group(1)))
    assert len(seen) > 1  # the kills did land in the middle of the run
    # and the next command is not blocked by the killed process's lock
    result = subprocess.run(
        [sys.executable, "-m", "clearml_cfg", "set", "apiserver.counter", "1000", "-q"],
        env={**env, "CLEARML_CFG_LOCK_TIMEOUT": "2"},
    )
    assert result.returncode == 0
    assert pyhocon_plain(path.read_text()) == {"counter": 1000}


def test_a_lock_held_by_a_killed_process_is_released(tmp_path: Path) -> None:
    config = tmp_path / "c"
    write(config / "apiserver.conf", "a: 1\n")
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import fcntl, time; f = open({str(config / '.clearml-cfg.lock')!r}, 'w'); "
            "fcntl.flock(f, fcntl.LOCK_EX); print('held', flush=True); time.sleep(60)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout and holder.stdout.readline().strip() == "held"
    env = {**os.environ, "CLEARML_CONFIG_DIR": str(config), "CLEARML_CFG_LOCK_TIMEOUT": "0.3"}
    blocked = subprocess.run(
        [sys.executable, "-m", "clearml_cfg", "set", "apiserver.a", "2"], env=env, capture_output=True, text=True
    )
    assert blocked.returncode == 4 and "another clearml-cfg is editing" in blocked.stderr
    holder.kill()
    holder.wait()
    after = subprocess.run([sys.executable, "-m", "clearml_cfg", "set", "apiserver.a", "2", "-q"], env=env)
    assert after.returncode == 0


# --- random use of the command line -------------------------------------------------------------------------

# keys the random documents define (a, b.c, "x.y", users...), so that edits land on existing definitions too
EDITABLE_KEYS = st.sampled_from(
    [
        "apiserver.auth.cookies.domain",
        "apiserver.auth.cookies.secure",
        "services.tasks.non_responsive_tasks_watchdog.threshold_sec",
        "apiserver.a",
        "apiserver.b",
        "apiserver.a.b",
        "apiserver.b.c.a",
        "apiserver.enabled",
        "apiserver.users",
        'apiserver."x.y"',
        'apiserver."x-y"',
        "apiserver.key_1",
        "apiserver.list[0]",
        "apiserver.a[1]",
        "services.x",
        "fileserver.cors.origins",
    ]
)
ODD_KEYS = st.one_of(
    st.sampled_from(["apiservr.typo", "apiserver", "a..b", ""]), st.text(alphabet='abc.[]"0 -_', max_size=12)
)
KEYS = st.one_of(EDITABLE_KEYS, EDITABLE_KEYS, EDITABLE_KEYS, ODD_KEYS)  # three in four are keys that can be edited

TEXT_VALUES = st.one_of(
    st.sampled_from(["1", "007", "true", "2 hours", "[a, b]", "{a: 1}", "x = 1", "http://x/${id}", "", "null", "{"]),
    VALUES.map(json.dumps),
)


@st.composite
def commands(draw: st.DrawFn) -> list[str]:
    kind = draw(st.sampled_from(["set"] * 4 + ["unset"] * 2 + ["get", "show", "explain", "env", "check", "export"]))
    key = draw(KEYS)
    if kind == "set":
        args = ["set", key, draw(TEXT_VALUES)]
        args += draw(
            st.sampled_from(
                [[], [], [], ["--type", "json"], ["--type", "string"], ["--type", "int"], ["--type", "bogus"]]
            )
        )
        return args
    if kind == "show":
        return ["show", *draw(st.sampled_from([[], ["--effective"], ["--origin"], ["--changed", "--json"]]))]
    if kind == "export":
        return ["export", "--format", draw(st.sampled_from(["helm", "env", "compose", "json", "k8s-secret", "yaml"]))]
    if kind == "check":
        return ["check", *draw(st.sampled_from([[], ["--json"], ["--fix", "--dry-run"]]))]
    return [kind, key, *draw(st.sampled_from([[], ["--json"], ["--bogus-option"]]))]


MISSING = object()


def leaves(tree: Any, at: tuple[str | int, ...] = ()) -> dict[tuple[str | int, ...], Any]:
    """Every scalar of a plain tree by its path; an empty object or list counts as a leaf of its own."""
    if isinstance(tree, dict) and tree:
        return {path: v for k, child in tree.items() for path, v in leaves(child, (*at, k)).items()}
    if isinstance(tree, list) and tree:
        return {path: v for i, child in enumerate(tree) for path, v in leaves(child, (*at, i)).items()}
    return {at: tree}


def snapshot(directory: Path) -> dict[str, bytes]:
    return {str(p.relative_to(directory)): p.read_bytes() for p in sorted(directory.rglob("*")) if p.is_file()}


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]
)
@given(text=documents(), sequence=st.lists(commands(), min_size=1, max_size=4))
def test_random_command_sequences_keep_every_promise(
    cli: Run, config_dir: Path, text: str, sequence: list[list[str]]
) -> None:
    for leftover in config_dir.glob("**/*") if config_dir.exists() else []:
        if leftover.is_file():
            leftover.unlink()
    write(config_dir / "apiserver.conf", text)
    for args in sequence:
        before = snapshot(config_dir)
        result = cli(*args)  # the fixture asserts that no traceback was printed
        assert result.code in (0, 1, 2, 3, 4), (args, str(result))
        after = snapshot(config_dir)
        changed = {name for name in set(before) | set(after) if before.get(name) != after.get(name)}
        changed -= {".clearml-cfg.lock"} | {name for name in changed if name.endswith(".bak")}
        if result.code != 0 or args[0] not in ("set", "unset"):
            assert not changed, (args, str(result))
            continue
        key = parse_key(args[1])
        for name in changed:
            assert name == f"{key[0]}.conf", (args, changed)
            new_tree = pyhocon_plain(after[name].decode("utf-8"))  # the server can read it
            old_tree = pyhocon_plain(before[name].decode("utf-8")) if name in before else {}
            # exactly the intended change: every leaf that differs lies on the edited key's path
            old_leaves, new_leaves = leaves(old_tree), leaves(new_tree)
            differing = {
                leaf
                for leaf in set(old_leaves) | set(new_leaves)
                if old_leaves.get(leaf, MISSING) != new_leaves.get(leaf, MISSING)
            }
            inner = key[1:]
            if args[0] == "unset" and isinstance(inner[-1], int):
                inner = inner[:-1]  # removing an element moves the ones after it: the whole list is on the path
            assert all(leaf[: len(inner)] == inner or inner[: len(leaf)] == leaf for leaf in differing), (
                args,
                differing,
            )
        shown = cli("get", args[1], "--json", "--show-secrets")
        if args[0] == "set" and changed:
            assert shown.code == 0, (args, str(shown))
        elif args[0] == "unset" and "[" not in args[1]:  # removing a list element shifts the ones after it
            assert shown.code == 1, (args, str(shown))


# --- concurrency --------------------------------------------------------------------------------------------

WORKER = textwrap.dedent(
    """
    import json, sys
    from clearml_cfg.cli import main
    worker = int(sys.argv[1])
    done = []
    for step in range(25):
        if step % 5 == 0:
            args = ["add-user", f"w{worker}s{step}", "--password", "pw", "--rounds", "4", "--quiet", "--no-backup"]
        elif step % 5 == 2:
            url = "https://ci.example.com/" + str(worker) + "/${id}"
            args = ["ui-action", "add", "task", f"w{worker}s{step}", "--url", url, "--quiet", "--no-backup"]
        elif step % 5 == 4:
            args = ["unset", f"apiserver.worker_{worker}.step_{step - 1}", "--quiet", "--no-backup"]
        else:
            args = ["set", f"apiserver.worker_{worker}.step_{step}", str(step), "--quiet", "--no-backup"]
        code = main(args)
        done.append([args[0], args[3] if args[0] == "ui-action" else args[1], code])
    print(json.dumps(done))
    """
)


def test_four_processes_by_twenty_five_commands(tmp_path: Path) -> None:
    config = tmp_path / "c"
    path = write(config / "apiserver.conf", "# shared\nkeep: me\n")
    env = {**os.environ, "CLEARML_CONFIG_DIR": str(config), "CLEARML_CFG_LOCK_TIMEOUT": "120"}
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(i)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for i in range(4)
    ]
    results = []
    for worker in workers:
        out, err = worker.communicate(timeout=300)
        assert worker.returncode == 0, err
        results.append(json.loads(out))
    expected: dict[str, object] = {"keep": "me"}
    users, actions = set(), set()
    for worker_index, done in enumerate(results):
        for command, key, code in done:
            assert code == 0, (command, key, code)
            if command == "add-user":
                users.add(key)
            elif command == "ui-action":
                actions.add(key)
            elif command == "set":
                expected.setdefault(f"worker_{worker_index}", {})[key.rsplit(".", 1)[1]] = int(key.rsplit("_", 1)[1])  # type: ignore[index]
            else:
                del expected[f"worker_{worker_index}"][key.rsplit(".", 1)[1]]  # type: ignore[attr-defined]
    tree = pyhocon_plain(path.read_text())
    assert {u["username"] for u in tree["auth"]["fixed_users"]["users"]} == users
    assert len(tree["auth"]["fixed_users"]["users"]) == 20
    del tree["auth"]
    assert tree == expected
    assert path.read_text().startswith("# shared\nkeep: me\n")
    task_actions = pyhocon_plain((config / "services.conf").read_text())["organization"]["ui_actions"]["task"]
    assert {a["name"] for a in task_actions} == actions and len(task_actions) == 20
    assert all(a["action"]["url"].endswith("/${id}") for a in task_actions)


# --- secrets ------------------------------------------------------------------------------------------------

# Every way of writing a secret value, each a distinct text that must never reach the screen.
SECRETS = (
    "Tr0ub4dor-plain",  # quoted
    "98765432",  # an unquoted number
    "tq-Secret-1",  # triple-quoted
    "uq-one",  # unquoted, several words
    "uq-two",
    "cc-a1",  # a concatenation
    "cc-b2",
    "ml-top",  # triple-quoted over two lines
    "ml-bottom",
    "nl-Secret-4",  # on the line after its key
    "hc-Secret-5",  # `=`, then a comment
    "tk-Secret-6",  # unquoted, then a // comment
    "cm-Secret-7",  # in a commented-out line
    "tok-4f9a1c",  # secure.conf, CRLF line breaks
    "S3cretKey-x1",
    "sess-9f8e7d",  # secret by its path (secure.http.session_secret.*), not by its name
    "mongo-pw-77",  # inside a URL
    "url-pw-8",
    "hdr-auth-7",  # UI action headers
    "hdr-tok-9",
    "hdr-cookie-3",
)
NEW_SECRETS = ("tok-new-1", "new-pw-2", "hdr-new-3", "sess-new-4")
FIXED_USERS = (
    "auth.fixed_users.enabled: true\n"
    "auth.fixed_users.pass_hashed: false\n"
    "auth.fixed_users.users: [\n"
    '  { username: "jane", password: "Tr0ub4dor-plain", name: "Jane" },\n'
    '  { username: "tri", password: """tq-Secret-1""", name: "Tri" }\n'
    '  { username: "words", password: uq-one uq-two, name: "Words" }\n'
    '  { username: "cat", password: "cc-a1"cc-b2, name: "Cat" }\n'
    '  { username: "multi", password: """ml-top\nml-bottom""", name: "Multi" }\n'
    '  { username: "next", password:\n      "nl-Secret-4", name: "Next" }\n'
    '  { username: "hash", password = "hc-Secret-5" # a comment\n    name: "Hash" }\n'
    "]\n"
    "auth.token_secret: tk-Secret-6 // after the value\n"
    '# auth.token_secret: "cm-Secret-7"\n'
)
SECRET_FILES = {
    # bob's unquoted number comes first so that the other lines keep their numbers in both files
    "apiserver.conf": FIXED_USERS.replace("]\n", '  { username: "bob", password: 98765432, name: "Bob" }\n]\n'),
    "secure.conf": (
        'auth.token_secret: "tok-4f9a1c"\r\ncredentials.apiserver { user_key: "K", user_secret: "S3cretKey-x1" }\r\n'
        'http.session_secret.apiserver: "sess-9f8e7d"\r\n'
    ),
    "hosts.conf": 'mongo.backend.host: "mongodb://admin:mongo-pw-77@mongo:27017/backend"\n',
    "services.conf": (
        "organization.ui_actions.task: [\n"
        '  { name: "Hook", action { method: "POST", url: "https://ci:url-pw-8@ci.example.com/run/${id}",\n'
        '    headers { Authorization: "Bearer hdr-auth-7", X-Token: "hdr-tok-9", Cookie: "s=hdr-cookie-3",\n'
        '      Accept: "application/json" } } }\n'
        "]\n"
    ),
}
SHOWING_COMMANDS = [
    ["show"],
    ["show", "--json"],
    ["show", "--effective"],
    ["show", "--effective", "--origin", "--json"],
    ["show", "--changed"],
    ["get", "apiserver.auth.fixed_users"],
    ["get", "secure.auth.token_secret"],
    ["get", "secure.http"],
    ["get", "hosts.mongo.backend.host", "--effective"],
    ["get", "services.organization.ui_actions.task", "--json"],
    ["explain", "secure.credentials.apiserver.user_secret"],
    ["explain", "apiserver.auth.fixed_users.users", "--json"],
    ["check"],
    ["check", "--json"],
    ["check", "--fix", "--dry-run"],
    ["list-users"],
    ["list-users", "--json"],
    ["export", "--format", "helm", "--component", "fileserver"],  # with secure.conf, no ConfigMap format: exit 2
    ["export", "--format", "env"],
    ["export", "--format", "compose"],
    ["export", "--format", "json"],
    ["export", "--format", "k8s-secret"],
    ["set", "secure.auth.token_secret", "tok-new-1", "--dry-run"],
    ["set", "secure.http.session_secret.apiserver", "sess-new-4", "--dry-run"],
    ["unset", "secure.http.session_secret.apiserver", "--dry-run"],
    ["unset", "secure.credentials", "--dry-run"],
    ["set", "apiserver.auth.fixed_users.enabled", "false", "--dry-run"],
    ["add-user", "zed", "--password-stdin", "--plaintext", "--dry-run"],
    ["passwd", "words", "--password-stdin", "--dry-run"],
    ["passwd", "multi", "--password-stdin", "--dry-run"],
    ["remove-user", "next", "--dry-run"],
    ["remove-user", "multi", "--dry-run"],
    ["ui-action", "list"],
    ["ui-action", "list", "--json"],
    ["ui-action", "add", "task", "Run", "--url", "https://h/${id}", "-H", "Authorization: Bearer hdr-new-3", "-n"],
    ["ui-action", "remove", "task", "Hook", "--dry-run"],
    ["secure"],
    ["secure", "--json"],
    ["secure", "--rotate", "--dry-run"],
    ["secure", "--rotate", "--dry-run", "--json"],
]
# what --show-secrets reveals: where the secrets go (a diff goes to stderr)
REVEALING = {
    "show",
    "get",
    "explain",
    "export",
    "set",
    "unset",
    "add-user",
    "passwd",
    "remove-user",
    "ui-action",
    "secure",
}


def _secret_files(config_dir: Path) -> None:
    for name, text in SECRET_FILES.items():
        write(config_dir / name, text).chmod(0o600)


@pytest.mark.parametrize("args", SHOWING_COMMANDS, ids=" ".join)
def test_no_command_prints_a_secret_unless_asked(cli: Run, config_dir: Path, args: list[str]) -> None:
    _secret_files(config_dir)
    stdin = "new-pw-2\n" if "--password-stdin" in args else None
    result = cli(*args, env={"NO_COLOR": "1"}, tty=True, stdin=stdin)  # as on a terminal
    assert result.code in (0, 1), result
    shown = result.out + result.err
    for secret in [*SECRETS, *NEW_SECRETS]:
        assert secret not in shown, (secret, str(result))
    if args[0] in REVEALING and args[:2] != ["show", "--changed"] and "k8s-secret" not in args:
        revealed = cli(*args, "--show-secrets", stdin=stdin)
        assert revealed.code in (0, 1), revealed
        assert any(secret in revealed.out + revealed.err for secret in [*SECRETS, *NEW_SECRETS]), str(revealed)


def test_switching_a_file_to_hashes_shows_no_password(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", FIXED_USERS)
    result = cli("add-user", "zed", "--password-stdin", "--rounds", "4", "--dry-run", stdin="new-pw-2\n")
    assert result.code == 0, result
    for secret in SECRETS:
        assert secret not in result.err, (secret, result.err)
    # each changed password shows as a changed line, in the shape it is written
    assert '-  { username: "tri", password: """********""", name: "Tri" }' in result.err
    assert '+  { username: "tri", password: "********", name: "Tri" }' in result.err
    assert '-  { username: "words", password: ********, name: "Words" }' in result.err
    assert '-      "********", name: "Next" }' in result.err
    # a password over two lines keeps its line break, so the line numbers of the diff stay those of the file
    assert '-  { username: "multi", password: """********\n-""", name: "Multi" }' in result.err
    assert path.read_text() == FIXED_USERS


def test_a_changed_secret_shows_as_a_changed_line(cli: Run, config_dir: Path) -> None:
    write(config_dir / "secure.conf", 'http.session_secret.apiserver: "sess-9f8e7d"\n')
    result = cli("set", "secure.http.session_secret.apiserver", "sess-new-4", "--dry-run")
    assert result.code == 0, result
    assert '-http.session_secret.apiserver: "********"\n+http.session_secret.apiserver: "********"\n' in result.err
    assert "sess-" not in result.err
    shown = cli("set", "secure.http.session_secret.apiserver", "sess-new-4", "--dry-run", "--show-secrets")
    assert '-http.session_secret.apiserver: "sess-9f8e7d"\n+http.session_secret.apiserver: "sess-new-4"\n' in shown.err


def test_quoting_a_password_shows_in_the_diff(cli: Run, config_dir: Path) -> None:
    write(
        config_dir / "apiserver.conf", 'auth.fixed_users.users: [{ username: "bob", password: 98765432, name: "B" }]\n'
    )
    result = cli("check", "--fix", "--dry-run")
    assert '-auth.fixed_users.users: [{ username: "bob", password: ********, name: "B" }]' in result.err, result
    assert '+auth.fixed_users.users: [{ username: "bob", password: "********", name: "B" }]' in result.err, result


@pytest.mark.parametrize(
    "line",
    [
        'password: "LeakMe99"x = 1',
        'auth.token_secret = LeakMe99 "x" = 1',
        'http.session_secret.apiserver: "LeakMe99" }',
        '{ username: "a", password: "LeakMe99" ] }',
        'url: "mongodb://u:LeakMe99@h" } ]',
    ],
)
def test_a_parse_error_shows_its_line_without_the_secret(cli: Run, config_dir: Path, line: str) -> None:
    write(config_dir / "secure.conf", f"a: 1\n{line}\n")
    result = cli("get", "secure.a")
    assert result.code == 3, result
    assert "LeakMe99" not in result.err, result.err
    excerpt, caret = result.err.splitlines()[1:3]
    assert MASK in excerpt and caret.strip() == "^", result.err


def test_a_warning_about_an_overriding_file_shows_no_secret(cli: Run, config_dir: Path) -> None:
    # secure.auth.conf is where a set goes, but secure/auth.conf is read after it and wins
    write(config_dir / "secure.auth.conf", 'token_secret: "tok-4f9a1c"\n')
    write(config_dir / "secure" / "auth.conf", 'token_secret: "S3cretKey-x1"\n')
    result = cli("set", "secure.auth.token_secret", "tok-new-1")
    assert "secure.auth.token_secret still reads '********': another file" in result.err, result
    assert not any(secret in result.err for secret in ("tok-4f9a1c", "S3cretKey-x1", "tok-new-1")), result


# --- arguments and bugs -------------------------------------------------------------------------------------


def test_arguments_that_are_not_utf8_are_refused_before_anything_is_written(cli: Run, config_dir: Path) -> None:
    path = write(config_dir / "apiserver.conf", "a: 1\n")
    undecodable = b"ab\xff".decode("utf-8", "surrogateescape")  # what Python makes of such a byte in argv
    for args in (["set", "apiserver.a", undecodable], ["add-user", undecodable, "--password", "pw"]):
        result = cli(*args)
        assert result.code == 2, result
        assert "is not valid UTF-8 text" in result.err and "hint: " in result.err
    assert sorted(p.name for p in config_dir.iterdir()) == ["apiserver.conf"]
    assert path.read_text() == "a: 1\n"


@pytest.mark.parametrize(
    ("module", "name", "args"),
    [
        ("clearml_cfg.cli.get", "get_value", ["get", "apiserver.a"]),  # answered without Typer (cli/fast.py)
        ("clearml_cfg.cli.users", "list_users", ["list-users"]),  # through the Typer application
    ],
)
def test_an_internal_error_is_two_lines_and_exit_70(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, module: str, name: str, args: list[str]
) -> None:
    import importlib

    from clearml_cfg.cli import main

    def broken(*_: object, **__: object) -> None:
        raise RuntimeError("something unforeseen")

    monkeypatch.setenv("CLEARML_CONFIG_DIR", str(tmp_path))
    monkeypatch.delenv("CLEARML_CFG_DEBUG", raising=False)
    monkeypatch.setattr(importlib.import_module(module), name, broken)
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    assert main(args) == 70
    lines = err.getvalue().splitlines()
    assert lines[0] == "error: internal error: RuntimeError: something unforeseen"
    assert lines[1].startswith("hint: this is a bug in clearml-cfg") and len(lines) == 2
    monkeypatch.setenv("CLEARML_CFG_DEBUG", "1")
    with pytest.raises(RuntimeError):
        main(args)
