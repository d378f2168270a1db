"""The import report: one JSON shape for the CLI (--json), the API and the preview page."""
from __future__ import annotations

from server.bank.formats import ParseResult
from server.bank.operations import ImportOutcome
from server.tables import UploadError


def parse_report(result: ParseResult) -> dict:
    return {
        "questions": len(result.questions),
        "by_type": result.by_type(),
        "errors": [{"line": i.line, "number": i.number, "code": i.code, "message": i.message}
                   for i in sorted(result.issues, key=lambda i: i.line)],
        "items": [q.as_json() for q in result.questions],
        "notes": sum(len(q.notes) for q in result.questions),
    }


def upload_error_report(error: UploadError) -> dict:
    """A file that cannot be read: the report with its one error (line 0: the whole file, unless
    the error names a line or row), and the error as every API error looks (field: file)."""
    return {"questions": 0, "by_type": {"judge": 0, "single": 0, "multi": 0},
            "errors": [{"line": error.row or error.line or 0, "number": None, "code": error.code,
                        "message": error.message}], "items": [],
            "error": {"code": error.code, "message": str(error), "field": "file"}}


def import_report(result: ParseResult, outcome: ImportOutcome) -> dict:
    report = parse_report(result)
    report["bank"] = {"id": outcome.bank.id, "name": outcome.bank.name}
    report["imported"] = outcome.added
    report["already_in_bank"] = len(outcome.already_in_bank)
    report["skipped_duplicates"] = [
        {"line": i.line, "number": i.number, "message": i.message} for i in outcome.repeated_in_file]
    return report
