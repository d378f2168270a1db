"""Benchmark: import a generated 10,000-question bank (text document format).

Measures, in one run on the same data:
- parse:    reading the document into questions (pure Python);
- import:   parse + writing through the app (duplicate check, tags, one transaction) into a
            fresh SQLite file; "write" is the part after parsing;
- baseline: the same rows written with a bare sqlite3 executemany into the same schema
            (the floor any importer pays for the database); the write time is reported as a
            ratio to it.

Prints one JSON object.  Usage: python bench/bank_import.py [N]
"""
from __future__ import annotations

import json
import random
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

WORDS = "银行 客户 经理 存款 贷款 利率 理财 产品 服务 柜员 现金 账户 规定 业务 结算 汇款 信用卡 基金".split()


def generate(count: int, seed: int = 7) -> str:
    rng = random.Random(seed)  # noqa: S311 (test data, not secrets)
    judge, single = count // 5, count * 2 // 5
    sections = [("判断题", judge), ("单选题", single), ("多选题", count - judge - single)]
    lines, number = ["示范银行 业务知识题库（生成）", ""], 0
    for title, size in sections:
        lines += [f"{'一二三'[len(lines) % 3]}、{title}（每题1分）", ""]
        for _ in range(size):
            number += 1
            stem = "".join(rng.choice(WORDS) for _ in range(rng.randint(6, 16))) + f"（第{number}题）"
            if title == "判断题":
                lines.append(f"{number}: {stem}。{rng.choice('对错')}")
                continue
            options = " ".join(f"{letter}:{''.join(rng.choice(WORDS) for _ in range(3))}"
                               for letter in "ABCD")
            multi_key = "".join(sorted(rng.sample("ABCD", rng.randint(2, 4))))
            key = rng.choice("ABCD") if title == "单选题" else multi_key
            lines += [f"{number}: {stem}()", options + f" 标准答案: {key}", ""]
    return "\n".join(lines)


def main(count: int = 10_000) -> dict:
    from server import create_app
    from server.bank import formats
    from server.bank.operations import import_into
    from server.branches.operations import create_branch
    from server.extensions import db

    document = generate(count).encode("utf-8")
    started = time.perf_counter()
    parsed = formats.parse(document, "generated.txt", "text")
    parse_seconds = time.perf_counter() - started
    assert len(parsed.questions) == count and not parsed.issues, (len(parsed.questions), parsed.issues[:3])

    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/bench.sqlite3"
        app = create_app({"SQLALCHEMY_DATABASE_URI": url, "INSTANCE_PATH": folder, "SECRET_KEY": "bench"})
        with app.app_context():
            from flask_migrate import upgrade

            upgrade()
            head = create_branch("HQ", "总行", "head_office", None)
            db.session.commit()
            started = time.perf_counter()
            result = formats.parse(document, "generated.txt", "text")
            parsed_at = time.perf_counter()
            outcome = import_into(None, "生成题库", head, result, "generated.txt")
            db.session.commit()  # the operation flushes; the caller's commit is part of the import
            import_seconds = time.perf_counter() - started
            write_seconds = time.perf_counter() - parsed_at
            assert outcome.added == count
            rows = [(outcome.bank.id, q.type.value, q.stem, json.dumps(q.options, ensure_ascii=False),
                     q.answer, q.fingerprint, q.number, q.line) for q in result.questions]
            db.engine.dispose()

        # Baseline: the same rows, bare sqlite3, same schema and pragmas, one transaction.
        connection = sqlite3.connect(f"{folder}/bench.sqlite3")
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=FULL")
        connection.execute("DELETE FROM question")
        connection.commit()
        started = time.perf_counter()
        connection.executemany(
            "INSERT INTO question (bank_id, type, stem, options, answer, fingerprint, source_number, "
            "source_line, family_id, version, is_current, explanation, retired, source_file, created_at, "
            "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, 1, 1, '', 0, 'generated.txt', "
            "CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)", rows)
        connection.commit()
        baseline_seconds = time.perf_counter() - started
        connection.close()

    return {
        "benchmark": "bank_import",
        "questions": count,
        "document_bytes": len(document),
        "parse_questions_per_second": round(count / parse_seconds),
        "import_questions_per_second": round(count / import_seconds),
        "write_questions_per_second": round(count / write_seconds),
        "baseline_bare_insert_questions_per_second": round(count / baseline_seconds),
        "write_vs_bare_insert_time_ratio": round(write_seconds / baseline_seconds, 2),
    }


if __name__ == "__main__":
    print(json.dumps(main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000), ensure_ascii=False, indent=2))
