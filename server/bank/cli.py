"""`flask --app wsgi bank import PATH [--format …] [--bank NAME] [--dry-run] [--json]` and export."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from server.bank import formats
from server.bank.formats.gift import write_gift
from server.bank.formats.table import write_xlsx
from server.bank.operations import import_into
from server.bank.report import import_report, parse_report, upload_error_report
from server.bank.util import bank_by_name, questions_query
from server.branches.util import branch_by_code, head_office
from server.database import commit, rollback
from server.errors import OperationError
from server.extensions import db
from server.tables import UploadError

bank_cli = AppGroup("bank", help="Question banks.")


@bank_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", default="auto", show_default=True,
              type=click.Choice(["auto", "text", "gift", "aiken", "xlsx", "csv"]))
@click.option("--bank", "bank_name", help="Bank to import into (created if missing); default: file name.")
@click.option("--dry-run", is_flag=True, help="Parse and report; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--strict", is_flag=True, help="Import nothing when any question cannot be read.")
def import_command(path: Path, fmt: str, bank_name: str | None, dry_run: bool, as_json: bool, strict: bool):
    """Import questions from PATH.  Questions that cannot be read are reported, never guessed."""
    try:
        result = formats.parse(path.read_bytes(), path.name, fmt)
    except UploadError as error:
        _emit(upload_error_report(error), as_json)
        sys.exit(2)
    if dry_run or (strict and result.issues):
        _emit(parse_report(result), as_json)
        sys.exit(1 if strict and result.issues else 0)
    owner = head_office()
    if owner is None:
        raise click.ClickException("create the head office first (flask users create-admin)")
    try:
        outcome = import_into(None, bank_name or path.stem, owner, result, path.name)
    except OperationError as exc:
        rollback()
        raise click.ClickException(f"{exc.field}: {exc.message}") from None
    commit()
    _emit(import_report(result, outcome), as_json)


def _emit(report: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(report, ensure_ascii=False))
        return
    by_type = report["by_type"]
    click.echo(f"{report['questions']} questions: {by_type['judge']} true/false, "
               f"{by_type['single']} single choice, {by_type['multi']} multiple choice")
    for error in report["errors"]:
        click.echo(f"  line {error['line']}: {error['message']}", err=True)
    for item in report["items"]:
        for note in item["notes"]:
            click.echo(f"  line {item['line']} (#{item['number']}) note: {note['message']}")
    if "bank" in report:
        click.echo(f"Imported {report['imported']} into {report['bank']['name']}; "
                   f"{report['already_in_bank']} were already there.")


@bank_cli.command("export")
@click.argument("bank_name")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--branch", "branch_code", help="The code of the branch that owns the bank (default: the head office).")
def export_command(bank_name: str, path: Path, branch_code: str | None):
    """Write a bank to PATH (.xlsx or .gift)."""
    owner = branch_by_code(branch_code) if branch_code else head_office()
    bank = bank_by_name(bank_name, owner) if owner is not None else None
    if bank is None:
        raise click.ClickException(f"no bank named {bank_name} in branch {branch_code or 'head office'}")
    questions = list(db.session.scalars(questions_query(bank)))
    if path.suffix == ".gift":
        path.write_text(write_gift(questions, bank.name), encoding="utf-8")
    elif path.suffix == ".xlsx":
        path.write_bytes(write_xlsx(questions, bank.name))
    else:
        raise click.ClickException("PATH must end in .xlsx or .gift")
    click.echo(f"Wrote {len(questions)} questions to {path}")
