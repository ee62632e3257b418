"""The benchmark's page: docs/benchmarks.md's measured section and its plot are what
`bench/benchmark.py --write-docs` makes of bench/results.json, nothing written by hand."""

from __future__ import annotations

import importlib.util
import json

from helpers import PROJECT


def benchmark_module():
    spec = importlib.util.spec_from_file_location("benchmark", PROJECT / "bench" / "benchmark.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_measured_section_and_the_plot_are_generated_from_the_results():
    bench = benchmark_module()
    results = json.loads(bench.RESULTS.read_text())
    document, plot = bench.rendered_docs(results, bench.DOCS.read_text())
    assert document == bench.DOCS.read_text(), "run bench/benchmark.py --from-results --write-docs"
    assert plot == bench.PLOT.read_text(), "run bench/benchmark.py --from-results --write-docs"
    # one line per phase measured, each through every size it was measured at
    measured = [label for label, figure, _, _ in bench.PLOT_LINES if any(figure(r) for r in results["sizes"])]
    assert plot.count("<polyline") == len(measured) >= 8
    for label in measured:
        assert f">{label}</text>" in plot
    for size in results["sizes"]:
        assert f"**{size['size']}**" in document
    for figure in ("cutover lock window", "rollback", "peak RSS", "build (stage + dbt)"):
        assert f"| {figure}" in document


def test_the_rehearsal_is_set_beside_the_migrate_it_predicted():
    bench = benchmark_module()
    measured = {"stage": 0.3, "build (dbt and the checks)": 9.0, "migrate, in all": 12.5}
    row = {
        "size": "production_scale",
        "rehearsal": {"verdict": "pass", "seconds": 20.0, "copy_s": 1.2, "lock_window_ms": 14.0}
        | {"steps": {"stage": 0.2, "build (dbt and the checks)": 8.5, "migrate, in all": 11.0}},
        "migrate": {"step_seconds": measured, "lock_window_ms": 12.0},
    }
    lines = bench.rehearsal_rows(row)
    assert "| step | predicted | measured |" in lines
    assert "| build (dbt and the checks) | 8.50 s | 9.00 s |" in lines
    assert "| migrate, in all | 11.0 s | 12.5 s |" in lines
    assert "| cutover lock window (without load) | 14.0 ms | 12.0 ms |" in lines
    assert bench.rehearsal_rows({"size": "benchmark_10x"}) == []  # measured at production_scale only
