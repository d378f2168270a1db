"""The benchmarks stay runnable: a small run must import every generated question.
(Their speed is reported by `make bench`, never asserted here.)"""
from __future__ import annotations

from bench import bank_import


def test_bank_import_benchmark_imports_every_generated_question():
    report = bank_import.main(300)
    assert report["questions"] == 300
    assert report["import_questions_per_second"] > 0 and report["write_vs_bare_insert_time_ratio"] > 0
