"""Background work and cross-domain hooks are wired by hand in `backend/wiring.py`: nothing may be left out."""

from __future__ import annotations

import ast
from pathlib import Path

from backend import wiring
from backend.notifications.delivery import core_handlers
from backend.settings import REPO_ROOT

BACKEND = REPO_ROOT / "backend"


def test_every_domain_jobs_module_is_listed_in_the_wiring() -> None:
    on_disk = {f"backend.{path.parent.name}.jobs" for path in BACKEND.glob("*/jobs.py")}
    assert on_disk == {module.__name__ for module in wiring.JOB_MODULES}


def test_the_worker_runs_every_kind_and_cleanup_the_domains_declare() -> None:
    handlers = wiring.job_handlers()
    for module in wiring.JOB_MODULES:
        assert set(module.JOB_HANDLERS) <= set(handlers)
        assert set(module.CLEANUPS) <= set(wiring.cleanups())
    assert set(core_handlers({})) <= set(handlers)


def _registers_at_import(path: Path) -> list[str]:
    """Module-level statements that call something's append/register (a side effect of importing)."""
    found = []
    for node in ast.parse(path.read_text()).body:
        for call in ast.walk(node) if isinstance(node, ast.Expr | ast.If) else ():
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute | ast.Name):
                name = call.func.attr if isinstance(call.func, ast.Attribute) else call.func.id
                if name in {"append", "extend", "update"} or name.startswith("register"):
                    found.append(f"{path.relative_to(REPO_ROOT)}:{node.lineno}")
    return found


def test_no_module_registers_anything_when_imported() -> None:
    offenders = [
        where
        for path in sorted(BACKEND.rglob("*.py"))
        if "piccolo_migrations" not in path.parts
        for where in _registers_at_import(path)
    ]
    assert offenders == []
