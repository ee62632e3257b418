"""The check catalogue without a database: its documentation is fresh, and a
check that did not run proves nothing."""

from __future__ import annotations

from conftest import PROJECT

from harness import checks


def test_docs_checks_is_generated_from_the_catalogue():
    # `make docs-checks` regenerates it; a check added or changed without it fails here
    document = (PROJECT / "docs" / "checks.md").read_text()
    catalogue = checks.catalogue()
    assert checks.catalogue_document(document, catalogue) == document
    for check in catalogue.values():
        if not check.meaning.startswith("mapping seed "):
            assert f"| `{check.name}` | {check.severity} | {check.phase} |" in document, check.name


def test_a_skipped_check_blocks_the_verdict():
    from harness.checks import Check, summary

    skipped = Check(name="ledger_reconciles_with_inventory", severity="critical", phase="post", meaning="", fix="",
                    status="skipped")
    assert skipped.blocking and summary([skipped])["verdict"] == "fail"
    info = Check(name="x", severity="info", phase="post", meaning="", fix="", status="skipped")
    assert not info.blocking

