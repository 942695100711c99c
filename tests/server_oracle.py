"""The server's own loaders as the judge (``../shared/tools/server-config``), in a process of their own.

server-config runs the real loader code of ClearML Server on a directory. Started once per scenario it costs a
second or two (pyhocon, the default folder); a property test runs hundreds of scenarios, so the script is loaded
once into a worker process and its own ``load`` and ``_plain`` are called there, with the scenario's environment
set as the loader reads it (``CLEARML_CONFIG_DIR`` and the ``CLEARML__``/``TRAINS__`` variables). A loader that
does not answer within the time limit counts as a server that never starts.

pyhocon takes 50 ms or more to parse any file (it builds its grammar each time), and the default folder is the
same in every scenario: each file is parsed once per content (the default folder's once for all scenarios, a
scenario's own once for both servers) and the loader gets a deep copy of that parse each time.
"""

from __future__ import annotations

import copy
import importlib.machinery
import importlib.util
import json
import os
import resource
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from helpers import REPO
from oracle import Worker

SERVER_CONFIG = Path(os.environ.get("CLEARML_CFG_SERVER_CONFIG", REPO.parent / "shared" / "tools" / "server-config"))
TIME_LIMIT = 20.0
MEMORY_LIMIT = 2 << 30

Verdict = tuple[str, Any]  # ("ok", the configuration as JSON data), ("fails", the loader's error), ("hangs", None)


class _ParseOnce:
    """``ConfigFactory.parse_file``, parsing each content once; ``forget`` drops what is not in ``keep``."""

    def __init__(self) -> None:
        from pyhocon import ConfigFactory

        self.parse_file = ConfigFactory.parse_file
        self.parsed: dict[tuple[str, bytes], Any] = {}
        self.keep: list[Path] = []
        ConfigFactory.parse_file = self  # the loaders call ConfigFactory.parse_file(path)

    def __call__(self, filename: Any, *args: Any, **kwargs: Any) -> Any:
        key = (str(filename), Path(filename).read_bytes())
        if key not in self.parsed:
            self.parsed[key] = self.parse_file(filename, *args, **kwargs)
        return copy.deepcopy(self.parsed[key])

    def forget(self) -> None:
        for key in [k for k in self.parsed if not any(Path(k[0]).is_relative_to(p) for p in self.keep)]:
            del self.parsed[key]


def server_config() -> Any:
    """The server-config script as a module (its ``load``, ``_plain`` and ``_stand_ins``)."""
    loader = importlib.machinery.SourceFileLoader("server_config", str(SERVER_CONFIG))
    spec = importlib.util.spec_from_loader("server_config", loader)
    assert spec is not None
    script = importlib.util.module_from_spec(spec)
    loader.exec_module(script)
    return script


def _serve(connection: Connection) -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    script = server_config()
    parse = _ParseOnce()
    while True:
        dirs, env, component, defaults = connection.recv()
        if dirs is None:  # a new scenario
            parse.forget()
            connection.send(("ok", None))
            continue
        if Path(defaults) not in parse.keep:
            parse.keep.append(Path(defaults))
        for name in [n for n in os.environ if n.startswith(("CLEARML", "TRAINS"))]:
            del os.environ[name]
        os.environ.update(env)
        os.environ["CLEARML_CONFIG_DIR"] = dirs
        try:
            config = script.load(component, Path(defaults), False)
            data = script._plain(config._config) if component == "fileserver" else script._plain(config.to_dict())
            answer: Verdict = ("ok", json.loads(json.dumps(data)))
        except Exception as e:  # what server-config reports as exit 3: the server would not start
            answer = ("fails", f"{type(e).__name__}: {e}"[:500])
        connection.send(answer)


class ServerJudge:
    def __init__(self) -> None:
        self._worker = Worker(_serve)

    def new_scenario(self) -> None:
        """Forget the files of the scenario before (the default folder stays parsed)."""
        if self._worker.running:
            self._worker.send((None, {}, "", ""))
            self.verdict()

    def send(self, dirs: str, env: dict[str, str], component: str, defaults: Path) -> None:
        """Start the loader on a scenario; ``verdict`` says what it computed (the caller may work meanwhile)."""
        self._worker.send((dirs, env, component, str(defaults)))

    def verdict(self, limit: float = TIME_LIMIT) -> Verdict:
        """The loader's answer, or "hangs" after ``limit`` seconds."""
        outcome, answer = self._worker.answer(limit)
        if outcome == "timeout":
            return "hangs", None
        if outcome == "died":
            return "fails", "the loader's process died"
        return answer  # type: ignore[no-any-return]

    def load(self, dirs: str, env: dict[str, str], component: str, defaults: Path) -> Verdict:
        self.send(dirs, env, component, defaults)
        return self.verdict()


judge = ServerJudge()
