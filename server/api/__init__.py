"""The public JSON API, /api/v1: papers, sessions, results and documents for integrations, and the
OpenAPI document generated from these views.  Views here parse, check access and call the same
operations the pages call; no business rule lives in this package."""
