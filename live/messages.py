"""What each error code of the live protocol (docs/protocol.schema.json) says to the person who
meets it, in their language.  The pages hand this table to the live scripts, which show these
words, never a code.  tests/live/test_error_messages.py checks that every code has its words."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

ERROR_MESSAGES = {
    "bad_request": _l("The request was incomplete. Reload the page and try again."),
    "cannot_extend": _l("Time can only be added, 1 to 3600 seconds, while the exam runs or is paused."),
    "empty_announcement": _l("Write the announcement first."),
    "finished": _l("Your attempt has been submitted."),
    "forbidden": _l("You may not control this exam."),
    "invalid_choice": _l("That is not one of this question's options."),
    "late": _l("Too late: the time for this question is over."),
    "no_more_questions": _l("That was the last question. End the exam when everyone is done."),
    "not_entered": _l("You have not entered this exam. Reload the page."),
    "not_found": _l("That trainee is not on this exam's roster."),
    "not_in_lobby": _l("The exam has already started."),
    "not_on_roster": _l("There is no such exam, or you are not on its roster. Check the code."),
    "not_open": _l("This question is not open."),
    "not_paused": _l("The exam is not paused."),
    "not_running": _l("The exam is not running."),
    "not_timed": _l("This exam is paced by the invigilator: there is no paper to hand in."),
    "out_of_scope": _l("Your exam ticket opens another exam only. Sign in with your password for this one."),
    "paused": _l("The exam is paused."),
    "rate_limited": _l("Too many failed attempts. Wait a minute and try again."),
    "removed": _l("The invigilator has removed you from this exam."),
    "signed_out": _l("You have been signed out (your password or account changed, or you signed "
                     "out elsewhere). Sign in again."),
    "server_error": _l("Not saved because of a server problem. It is sent again automatically."),
    "too_fast": _l("Too many requests from this page at once. Wait a few seconds and try again."),
    "unauthorized": _l("Sign in again."),
    "unknown_action": _l("The page is out of date. Reload it."),
}


def error_texts() -> dict[str, str]:
    """``{"error_<code>": words}`` for the live scripts' text table, in the current language."""
    return {f"error_{code}": str(text) for code, text in ERROR_MESSAGES.items()}
