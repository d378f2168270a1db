"""Signing identity and PAdES signatures.

On first use an instance creates an examination-authority certificate and a signing
certificate under it (private keys written with mode 0600 in its own folder, never logged).
A Signer keeps its key loaded and reserves the signature's room up front, so signing a PDF
costs one private-key operation, not a key load and two signatures.
"""
from __future__ import annotations

import datetime as dt
import io
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers

CA_CERT, CA_KEY = "authority.pem", "authority-key.pem"
SIGNER_CERT, SIGNER_KEY = "signer.pem", "signer-key.pem"
RESERVED_BYTES = 16384


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def create_authority(folder: Path, organisation: str) -> None:
    """Changes: writes a new authority and signing certificate with their keys into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    ca_name = _name(f"{organisation} 考试认证中心", organisation)
    ca_cert = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
               .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=3650))
               .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
               .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
               .sign(ca_key, hashes.SHA256()))
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    cert = (x509.CertificateBuilder().subject_name(_name(f"{organisation} 证书签发", organisation))
            .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=1825))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    pem = serialization.Encoding.PEM
    private = {"encoding": pem, "format": serialization.PrivateFormat.PKCS8,
               "encryption_algorithm": serialization.NoEncryption()}
    _write_private(folder / CA_KEY, ca_key.private_bytes(**private))
    _write_private(folder / SIGNER_KEY, key.private_bytes(**private))
    (folder / CA_CERT).write_bytes(ca_cert.public_bytes(pem))
    (folder / SIGNER_CERT).write_bytes(cert.public_bytes(pem))


def ensure_authority(folder: Path, organisation: str) -> None:
    if not (folder / SIGNER_KEY).exists():
        create_authority(folder, organisation)


@dataclass
class Signer:
    """A loaded signing identity; sign() certifies a PDF so that no later change is allowed."""

    signer: signers.Signer

    @classmethod
    def from_folder(cls, folder: Path) -> Signer:
        return cls(signers.SimpleSigner.load(str(folder / SIGNER_KEY), str(folder / SIGNER_CERT),
                                             ca_chain_files=(str(folder / CA_CERT),)))

    @classmethod
    def from_pkcs12(cls, path: Path, passphrase: bytes | None) -> Signer:
        return cls(signers.SimpleSigner.load_pkcs12(str(path), passphrase=passphrase))

    def sign(self, pdf: bytes, reason: str = "Examhall 签发") -> bytes:
        meta = signers.PdfSignatureMetadata(
            field_name="ExamhallSignature", reason=reason, certify=True,
            docmdp_permissions=fields.MDPPerm.NO_CHANGES, subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256")
        out = signers.PdfSigner(meta, signer=self.signer).sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf)), bytes_reserved=RESERVED_BYTES)
        return out.getvalue()
