"""The feature commands' modules load nothing heavy: only the invoked command's module is imported, and it pays
for pyhocon, rich or ruamel.yaml only when it uses them."""

from __future__ import annotations

import subprocess
import sys

import pytest


@pytest.mark.parametrize(
    "module",
    [
        "clearml_cfg.cli.watchdog",
        "clearml_cfg.cli.cors",
        "clearml_cfg.cli.ui_action",
        "clearml_cfg.cli.subdomain",
        "clearml_cfg.cli.expose",
        "clearml_cfg.cli.secure",
        "clearml_cfg.features.subdomain",
        "clearml_cfg.features.expose",
        "clearml_cfg.features.ui_action",
        "clearml_cfg.features.cors",
        "clearml_cfg.features.watchdog",
        "clearml_cfg.features.secure",
    ],
)
def test_importing_a_feature_module_loads_no_heavy_library(module: str) -> None:
    code = (
        f"import sys, {module}; "
        "heavy = [m for m in ('pyhocon', 'pyparsing', 'rich', 'ruamel', 'ruamel.yaml', 'bcrypt') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
