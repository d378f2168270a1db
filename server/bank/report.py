"""The import report: one JSON shape for the CLI (--json), the API and the preview page."""
from __future__ import annotations

from server.bank.formats import FormatError, ParseResult
from server.bank.messages import describe_format_error, describe_issue
from server.bank.operations import ImportOutcome


def parse_report(result: ParseResult) -> dict:
    return {
        "questions": len(result.questions),
        "by_type": result.by_type(),
        "errors": [{"line": i.line, "number": i.number, "code": i.code, "message": describe_issue(i)}
                   for i in sorted(result.issues, key=lambda i: i.line)],
        "items": [{"number": q.number, "type": q.type.value, "stem": q.stem, "options": q.options,
                   "answer": q.answer, "line": q.line, "explanation": q.explanation, "tags": q.tags}
                  for q in result.questions],
    }


def format_error_report(error: FormatError) -> dict:
    return {"questions": 0, "by_type": {"judge": 0, "single": 0, "multi": 0},
            "errors": [{"line": 0, "number": None, "code": error.code,
                        "message": describe_format_error(error)}], "items": []}


def import_report(result: ParseResult, outcome: ImportOutcome) -> dict:
    report = parse_report(result)
    report["bank"] = {"id": outcome.bank.id, "name": outcome.bank.name}
    report["imported"] = outcome.added
    report["already_in_bank"] = len(outcome.already_in_bank)
    report["skipped_duplicates"] = [
        {"line": i.line, "number": i.number, "message": describe_issue(i)} for i in outcome.repeated_in_file]
    return report
