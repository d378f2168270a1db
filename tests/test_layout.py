"""No module under tests/ imports a test module (tests/**/test_*.py).  Shared data and steps live
in tests/builders.py and fixtures in conftest.py files: a test module that others import gets its
data changed under it, and cannot be moved or split without breaking tests elsewhere."""
from __future__ import annotations

import ast
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent

# Imports from test modules that are still to be moved into tests/builders.py.  Each entry must
# still be there (the test fails when one is fixed, so the list only shrinks); nothing may join it.
NOT_YET_MOVED: set[tuple[str, str]] = set()


def _is_test_module(dotted: str) -> bool:
    parts = dotted.split(".")
    return parts[0] == "tests" and parts[-1].startswith("test_") and ROOT.joinpath(*parts).with_suffix(".py").is_file()


def imported_test_modules(source: str, module: str) -> set[str]:
    """The test modules that ``source`` (the module named ``module``, e.g. tests.server.x) imports,
    wherever the import statement is (inside functions too), absolute or relative."""
    package = module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            candidates = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        else:
            continue
        found.update(name for name in candidates if _is_test_module(name))
    return found


def _imports_of_test_modules() -> set[tuple[str, str]]:
    found = set()
    for path in sorted(TESTS.rglob("*.py")):
        relative = path.relative_to(ROOT)
        module = ".".join(relative.with_suffix("").parts)
        found.update((relative.as_posix(), name) for name in imported_test_modules(path.read_text(), module))
    return found


def test_no_module_in_tests_imports_a_test_module():
    found = _imports_of_test_modules()
    assert found - NOT_YET_MOVED == set(), "move what these share into tests/builders.py or a conftest.py fixture"
    assert NOT_YET_MOVED - found == set(), "fixed: take these off NOT_YET_MOVED"


def test_the_check_sees_every_way_of_importing():
    module = "tests.server.exams.test_example"
    assert imported_test_modules("from tests.server.exams.test_pages import x", module) == {
        "tests.server.exams.test_pages"}
    assert imported_test_modules("import tests.pdfs.test_signed_certificate", module) == {
        "tests.pdfs.test_signed_certificate"}
    assert imported_test_modules("from tests.pdfs import test_signed_certificate", module) == {
        "tests.pdfs.test_signed_certificate"}
    assert imported_test_modules("def f():\n    from .test_pages import x\n", module) == {
        "tests.server.exams.test_pages"}
    assert imported_test_modules("from ..documents.test_issuing import y", module) == {
        "tests.server.documents.test_issuing"}
    assert imported_test_modules("from tests.builders import ANSWERS\nfrom tests.conftest import fresh\n"
                                 "from tests.pdfs.tampering import pdfsig", module) == set()
