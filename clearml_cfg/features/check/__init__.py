"""clearml-cfg check: what would break the server (or be silently ignored by it), found before it does.

Each finding has a stable code, a severity, the file:line where it is, why it matters and the fix; mechanical
ones carry a Fix that `check --fix` applies. The checkers each look at one subject (files, values, environment,
secrets, ...) over one shared reading of every config directory (``Context``).
"""

from __future__ import annotations

from .model import Context, Finding, Fix, Severity, load_context
from .run import apply_fixes, run_checks

__all__ = ["Context", "Finding", "Fix", "Severity", "apply_fixes", "load_context", "run_checks"]
