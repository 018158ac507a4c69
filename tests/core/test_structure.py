"""Issue 14's done-when, measured by tools/import_graph.py: no package imports one that imports it;
the workshops reach the secretariat only through a signal, the audit log imports no area but the
staff accounts, and none of these packages imports back a package that imports it."""

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OWN = {"workshops", "audit", "secretariat"}


@pytest.fixture(scope="module")
def graph():
    spec = importlib.util.spec_from_file_location("import_graph", ROOT / "tools" / "import_graph.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.analyse(ROOT / "consult")


def test_the_tool_sees_imports_both_ways(graph):
    # What the assertions below rest on: the graph holds the imports these areas are known to make.
    assert ("secretariat", "workshops") in graph.edges and ("workshops", "audit") in graph.edges


def test_workshops_and_audit_import_no_package_that_imports_them(graph):
    assert [pair for pair in graph.mutual if OWN & set(pair)] == []
    assert ("workshops", "secretariat") not in graph.edges
    assert {there for here, there in graph.edges if here == "audit"} <= {"auth", "core", "extensions", "i18n"}


def test_no_function_level_imports_in_workshops_or_audit(graph):
    inside = [entry for entry in graph.local if entry[0].startswith(("consult/workshops/", "consult/audit/"))]
    assert inside == []


def test_no_package_pair_and_no_function_level_import_anywhere(graph):
    # The whole of issue 14's done-when: the layers of docs/architecture.md hold for every area.
    assert graph.mutual == []
    assert graph.local == []
    assert ("participation", "consultation") in graph.edges and ("consultation", "participation") not in graph.edges
