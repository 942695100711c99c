"""`import clearml_cfg.hocon` stays cheap: every command can afford it."""

from __future__ import annotations

import subprocess
import sys


def test_hocon_layer_imports_no_heavy_module() -> None:
    code = (
        "import sys, clearml_cfg.hocon; "
        "heavy = [m for m in ('typer', 'rich', 'pyhocon', 'pyparsing', 'bcrypt', 'click') if m in sys.modules]; "
        "print(','.join(heavy))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
