"""The house by nouns (issue 13): who may import whom, module size, and the key-store seam."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "anonymizer"


def _modules() -> list[Path]:
    return sorted(p for p in [*PACKAGE.rglob("*.py"), *(REPO / "vault").rglob("*.py")])


def _imports(path: Path) -> set[str]:
    """Every anonymizer.* module this file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {name for name in found if name.startswith("anonymizer")}


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_module_is_over_400_lines(path: Path) -> None:
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 400


# Lower floors never import higher ones: store/ sits under daemon/, review/ and report/.
FORBIDDEN = {
    "store": ("anonymizer.daemon", "anonymizer.review", "anonymizer.report", "anonymizer.cli"),
    "review": ("anonymizer.daemon",),
    "report": ("anonymizer.daemon",),
    "audit": ("anonymizer.daemon", "anonymizer.store", "anonymizer.engine"),
    "keys": ("anonymizer.daemon", "anonymizer.engine", "anonymizer.store"),
    "language": ("anonymizer.daemon", "anonymizer.engine", "anonymizer.store"),
    "formats": ("anonymizer.daemon", "anonymizer.engine", "anonymizer.store"),
    # the templates are a leaf; the workbench renders pages without the NLP engine
    "pages": ("anonymizer.daemon", "anonymizer.engine", "anonymizer.store", "anonymizer.review",
              "anonymizer.report", "anonymizer.web"),
    "web": ("anonymizer.engine", "anonymizer.language", "anonymizer.detectors"),
}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_never_imports_the_floors_above_it(package: str) -> None:
    files = sorted((PACKAGE / package).rglob("*.py"))
    assert files
    bad = {str(p.relative_to(REPO)): sorted(m for m in _imports(p)
                                             if m.startswith(FORBIDDEN[package]))
           for p in files}
    assert {k: v for k, v in bad.items() if v} == {}


def test_the_vault_library_knows_nothing_of_the_application() -> None:
    assert {str(p): _imports(p) for p in (REPO / "vault").rglob("*.py") if _imports(p)} == {}


def test_rendering_a_review_page_and_a_report_loads_no_nlp() -> None:
    code = ("import sys, json; import anonymizer.review.write, anonymizer.report.render, "
            "anonymizer.report.gather, anonymizer.store.purge; "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('spacy', 'presidio_analyzer', 'thinc') or m.startswith(('anonymizer.engine.',"
            " 'anonymizer.daemon')))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=REPO)
    assert json.loads(out.stdout) == []


def test_the_daemon_asks_its_key_store_and_never_reaches_through_it() -> None:
    # the stages use the StudyKeyStore protocol: no keystore.vault.*, no duck typing
    for path in [*(PACKAGE / "daemon").glob("*.py"), *(PACKAGE / "engine").glob("*.py")]:
        text = path.read_text(encoding="utf-8")
        assert "keystore.vault" not in text, path.name
        assert 'getattr(self.keystore' not in text, path.name
