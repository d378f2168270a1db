"""Language choice: Simplified Chinese unless the user picked English (kept in a cookie, so the
choice survives logging in and out)."""
from __future__ import annotations

from flask import Flask, has_request_context, request
from flask_babel import get_locale
from flask_babel import gettext as _

from grading import QuestionType, points_text
from server.extensions import babel

LANGUAGES = {"zh_CN": "中文", "en": "English"}
DEFAULT_LANGUAGE = "zh_CN"
LANGUAGE_COOKIE = "examhall_lang"


def select_locale() -> str:
    if not has_request_context():  # CLI and background work speak the default language
        return DEFAULT_LANGUAGE
    chosen = request.cookies.get(LANGUAGE_COOKIE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def html_lang() -> str:
    """The page's lang attribute: zh-CN or en."""
    return "en" if get_locale().language == "en" else "zh-CN"


def current_language() -> str:
    """The key of LANGUAGES in use."""
    return "en" if get_locale().language == "en" else "zh_CN"


def judge_labels() -> dict[str, str]:
    """How the pages say a stored true/false value, in the user's language (对 / 错 in Chinese;
    signed documents, always Chinese, use grading.judge_label)."""
    return {"T": _("True"), "F": _("False")}


def answer_label(question_type: str, answer: str) -> str:
    """A stored key or choice as the pages show it: true/false in words, letters as they are."""
    if question_type == QuestionType.JUDGE:
        return judge_labels().get(answer, answer)
    return answer


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    app.jinja_env.globals["judge_labels"] = judge_labels
    app.jinja_env.globals["answer_label"] = answer_label
    app.jinja_env.globals["LANGUAGES"] = LANGUAGES
    app.jinja_env.globals["current_language"] = current_language
    app.jinja_env.globals["html_lang"] = html_lang
    app.jinja_env.filters["points"] = points_text
