"""The API's one convention for lists: ``?page=1&per_page=50`` (at most 200) in, and
``{"items": [...], "page", "per_page", "total"}`` out.  Filters are further query parameters
that narrow ``total``; unknown parameters are ignored."""
from __future__ import annotations

import sqlalchemy as sa
from marshmallow import Schema, fields, validate

from server.extensions import db

MAX_PER_PAGE = 200


class PageQuery(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000),
                          metadata={"description": "1-based page number"})
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE),
                              metadata={"description": f"items per page, at most {MAX_PER_PAGE}"})


def page_schema(item: type[Schema], name: str, extra: dict | None = None) -> type[Schema]:
    """The response schema of a page of ``item`` (``extra``: more fields beside the page)."""
    return Schema.from_dict({"items": fields.List(fields.Nested(item), required=True),
                             "page": fields.Integer(required=True), "per_page": fields.Integer(required=True),
                             "total": fields.Integer(required=True), **(extra or {})}, name=name)


def page_of_query(query: sa.Select, args: dict) -> tuple[list, dict]:
    """One page of ``query``'s rows and the page's fields."""
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.order_by(None).subquery()))
    rows = list(db.session.scalars(query.limit(args["per_page"]).offset((args["page"] - 1) * args["per_page"])))
    return rows, {"page": args["page"], "per_page": args["per_page"], "total": total}


def page_of_list(items: list, args: dict) -> tuple[list, dict]:
    """One page of a list already in memory (a session's result table is built whole and cached)."""
    start = (args["page"] - 1) * args["per_page"]
    return items[start:start + args["per_page"]], {"page": args["page"], "per_page": args["per_page"],
                                                   "total": len(items)}
