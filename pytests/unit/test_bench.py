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
