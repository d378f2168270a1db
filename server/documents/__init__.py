"""Issued documents: signed certificates and score sheets, their verification and revocation."""
