"""The import rules of docs/architecture.md, checked over the source so they stay true."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "partnerhub"
FEATURES = ("meetings", "procedures", "agreements", "questions")
# Modules that hold rules or data; they never see the request.
RULE_MODULES = ("services", "queries", "models", "permissions", "reminders", "checks")


def imports(path: Path) -> set[str]:
    """Every module `path` imports (absolute names; `from x import y` gives x and x.y)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def offending(paths: list[Path], forbidden) -> dict[str, list[str]]:
    found = {}
    for path in paths:
        bad = sorted(i for i in imports(path) if forbidden(i))
        if bad:
            found[name(path)] = bad
    return found


def test_migrations_import_nothing_from_the_application():
    versions = modules(ROOT / "migrations" / "versions")
    assert versions
    assert offending(versions, lambda i: i.split(".")[0] in ("partnerhub", "worker")) == {}


def test_the_application_never_imports_the_worker():
    assert offending(modules(PACKAGE), lambda i: i.split(".")[0] == "worker") == {}


def test_notifications_imports_no_feature_domain():
    assert (
        offending(
            modules(PACKAGE / "notifications"),
            lambda i: any(i.startswith(f"partnerhub.{f}") for f in FEATURES),
        )
        == {}
    )


def test_the_identifier_guard_imports_no_feature_domain():
    """Every domain screens its text with it, so it sits below them all."""
    below = (*FEATURES, "notifications")
    assert (
        offending(
            modules(PACKAGE / "identifiers"),
            lambda i: any(i.startswith(f"partnerhub.{f}") for f in below),
        )
        == {}
    )


def test_the_annual_report_imports_no_feature_domain():
    """Domains declare their sections in their own report.py; the report never names them."""
    assert (
        offending(
            modules(PACKAGE / "report"),
            lambda i: any(i.startswith(f"partnerhub.{f}") for f in FEATURES),
        )
        == {}
    )


def public_interface() -> set[str]:
    """The names `partnerhub/notifications/__init__.py` exports in `__all__`."""
    tree = ast.parse((PACKAGE / "notifications" / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and node.targets[0].id == "__all__":
            return set(ast.literal_eval(node.value))
    return set()


@pytest.mark.parametrize(
    "package",
    ["auth", "partnerships", "audit", "meetings", "procedures", "agreements", "questions"],
)
def test_domains_reach_notifications_through_its_public_interface(package):
    public = public_interface()
    assert {"queue_email", "sweep_step", "writer"} <= public

    def internal(imported: str) -> bool:
        parts = imported.split(".")
        return (
            parts[:2] == ["partnerhub", "notifications"]
            and parts[2:3] != []
            and (parts[2] not in public)
        )

    assert offending(modules(PACKAGE / package), internal) == {}


def test_rules_and_data_never_touch_the_request():
    paths = [p for p in modules(PACKAGE) if p.stem in RULE_MODULES]
    assert paths
    assert offending(paths, lambda i: i in ("flask.request", "flask.session", "flask.g")) == {}


def test_models_import_no_services_or_views():
    paths = [p for p in modules(PACKAGE) if p.stem == "models"]
    assert (
        offending(
            paths, lambda i: i.rsplit(".", 1)[-1] in ("services", "views", "queries", "reminders")
        )
        == {}
    )


def test_each_rule_is_one_someone_can_break():
    """The scanner sees the imports it is meant to refuse."""
    sample = ROOT / "tests" / "test_architecture.py"
    assert "pytest" in imports(sample)
    assert offending([sample], lambda i: i == "pathlib.Path") == {name(sample): ["pathlib.Path"]}


def test_no_view_commits_by_itself():
    """Views write through web.apply, the one transaction path (it commits or rolls back)."""
    views = [p for p in modules(PACKAGE) if p.stem == "views" or p.parent.name == "views"]
    assert views
    committing = {}
    for path in views:
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            is_call = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            if is_call and node.func.attr in ("commit", "rollback"):
                committing.setdefault(name(path), []).append(node.lineno)
    assert committing == {}
