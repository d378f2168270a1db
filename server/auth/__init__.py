"""Signing in: web login sessions, password changes, and bearer tokens for the JSON API."""
