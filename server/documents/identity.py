"""The instance's signing identity and issuing organisation, from configuration.

Without EXAMHALL_SIGNING_PKCS12 the instance makes its own examination authority on first use,
in instance/signing/ (keys 0600).  The passphrase is read from the environment, never logged."""
from __future__ import annotations

from pathlib import Path

from flask import current_app

from pdfs.signing import SIGNER_KEY, SignerSpec, ensure_authority
from server.branches.util import head_office
from server.offload import in_process


def issuer_name() -> str:
    configured = current_app.config.get("EXAMHALL_ISSUER")
    if configured:
        return configured
    office = head_office()
    return office.name if office else "Examhall"


def signer_spec() -> SignerSpec:
    config = current_app.config
    tsa = config.get("EXAMHALL_TSA_URL") or None
    if config.get("EXAMHALL_SIGNING_PKCS12"):
        passphrase = config.get("EXAMHALL_SIGNING_PASSPHRASE")
        return SignerSpec(pkcs12=Path(config["EXAMHALL_SIGNING_PKCS12"]),
                          passphrase=passphrase.encode() if passphrase else None, timestamp_url=tsa)
    folder = Path(current_app.instance_path) / "signing"
    if not (folder / SIGNER_KEY).exists():  # made once: 3072-bit RSA keys take ~1 s of CPU, off the loop
        in_process(ensure_authority, folder, issuer_name())
    return SignerSpec(folder=folder, timestamp_url=tsa)
