"""The benchmarks stay runnable: a small run must import every generated question.
(Their speed is reported by `make bench`, never asserted here.)"""
from __future__ import annotations

from bench import bank_import, exam_day, grading_bench, pdf_bench


def test_bank_import_benchmark_imports_every_generated_question():
    report = bank_import.main(300)
    assert report["questions"] == 300
    assert report["import_questions_per_second"] > 0 and report["write_vs_bare_insert_time_ratio"] > 0


def test_grading_benchmark_runs():
    grading = grading_bench.bench_grading(2_000)
    assert set(grading["answers_per_second"]) == {"exact", "partial", "half", "penalty"}
    board = grading_bench.bench_leaderboard(500, updates=200, naive_updates=20)
    assert board["participants"] == 500 and board["update_and_rank_microseconds"] > 0


def test_pdf_benchmark_signs_every_certificate_on_both_sides():
    report = pdf_bench.run(6, 2)  # run() itself checks every PDF is signed and validates a sample
    assert report["ours"]["documents"] == 6 and report["naive"]["documents"] == 2
    assert report["ours"]["processes"] >= 1 and report["speedup"] > 0


def test_exam_day_benchmark_runs_a_small_morning_end_to_end_both_ways_of_signing_in():
    report = exam_day.main(["10", "--quick", "--window", "2", "--think", "0.2,1", "--sign-in", "both"])
    assert set(report["sign_in_side_by_side"]) == {"password", "ticket"}
    for way, ours in report["examhall"].items():
        assert ours["errors"] == [] and ours["sign_in"]["signed_in"] == 10 and ours["entered"] == 10, way
        # A trainee away for a drop or a reload can miss a question that everyone present has
        # answered (a paced question closes then); nobody else misses one, and nothing is lost.
        away = ours["disruptions"]["drops"] + ours["disruptions"]["reloads"]
        assert 30 - away <= ours["answers_acknowledged"] <= 30 and ours["answers_lost"] == 0, way
        assert ours["resumed_without_acknowledged_answers"] == 0, way
        assert ours["exam_page"]["first_visit_bytes"]["assets"] > 0 and ours["documents"]["issued"] >= 10, way
    password = report["examhall"]["password"]
    assert password["disruptions"]["reconnected"] >= 1
    assert password["exam_page"]["reload_bytes"]["assets"] == 0  # hashed files come from the phone's cache
    assert report["bare_signin_argon2_on_loop"]["sign_in"]["signed_in"] == 10
    assert report["bare_flask_socketio"]["ack"]["count"] == 30
