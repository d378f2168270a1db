"""Signing identity and PAdES signatures.

On first use an instance creates an examination-authority certificate and a signing
certificate under it (private keys written with mode 0600 in its own folder, never logged).
A Signer keeps its key loaded and reserves the signature's room up front, so signing a PDF
costs one private-key operation, not a key load and two signatures.
"""
from __future__ import annotations

import datetime as dt
import functools
import io
import os
from dataclasses import dataclass
from pathlib import Path

from asn1crypto import pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.util import get_pyca_cryptography_hash

CA_CERT, CA_KEY = "authority.pem", "authority-key.pem"
SIGNER_CERT, SIGNER_KEY = "signer.pem", "signer-key.pem"
RESERVED_BYTES = 16384
RESERVED_WITH_TIMESTAMP = 32768  # the timestamp token and the TSA's certificates need room too


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


class KeptKeySigner(signers.SimpleSigner):
    """pyHanko's SimpleSigner parses its private key again for every signature, and parsing an
    RSA key validates it (about 30 ms, more than half of signing a certificate).  This one parses
    the key once and keeps it."""

    def __init__(self, loaded: signers.SimpleSigner):
        super().__init__(loaded.signing_cert, loaded.signing_key, loaded.cert_registry,
                         signature_mechanism=loaded.signature_mechanism, prefer_pss=loaded.prefer_pss,
                         embed_roots=loaded.embed_roots)
        self._key = serialization.load_der_private_key(loaded.signing_key.dump(), password=None)

    def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
        mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
        if mechanism == "rsassa_pkcs1v15" and isinstance(self._key, rsa.RSAPrivateKey):
            return self._key.sign(data, padding.PKCS1v15(), get_pyca_cryptography_hash(digest_algorithm))
        if mechanism == "ecdsa" and isinstance(self._key, ec.EllipticCurvePrivateKey):
            return self._key.sign(data, ec.ECDSA(get_pyca_cryptography_hash(digest_algorithm)))
        return super().sign_raw(data, digest_algorithm)  # other mechanisms: pyHanko's own path


@dataclass(frozen=True)
class SignerSpec:
    """Where a signing identity comes from: picklable, so that worker processes can each load it
    once.  Either the instance's own authority folder or an organisation's PKCS#12 file."""

    folder: Path | None = None
    pkcs12: Path | None = None
    passphrase: bytes | None = None
    timestamp_url: str | None = None  # PAdES B-T when set

    def load(self) -> Signer:
        if self.pkcs12 is not None:
            loaded = signers.SimpleSigner.load_pkcs12(str(self.pkcs12), passphrase=self.passphrase)
        else:
            loaded = signers.SimpleSigner.load(str(self.folder / SIGNER_KEY), str(self.folder / SIGNER_CERT),
                                               ca_chain_files=(str(self.folder / CA_CERT),))
        if loaded is None:
            raise ValueError("the signing key or certificate cannot be read (check the PKCS#12 file and passphrase)")
        loaded = KeptKeySigner(loaded)
        timestamper = None
        if self.timestamp_url:
            # Only with a timestamp server: the client pulls in requests and its stack.
            from pyhanko.sign.timestamps.requests_client import HTTPTimeStamper

            timestamper = HTTPTimeStamper(self.timestamp_url, timeout=10)
        return Signer(loaded, timestamper)

    def authority_pem(self) -> bytes:
        """The root certificate others add to their trust store."""
        if self.pkcs12 is None:
            return (self.folder / CA_CERT).read_bytes()
        return _pkcs12_authority(str(self.pkcs12), self.pkcs12.stat().st_mtime_ns, self.passphrase)


@functools.lru_cache(maxsize=4)
def _pkcs12_authority(path: str, _modified_ns: int, passphrase: bytes | None) -> bytes:
    """The roots in a PKCS#12 file, read once per version of the file (every uploaded PDF is
    checked against them, and opening a PKCS#12 file means deriving its key from the passphrase)."""
    loaded = signers.SimpleSigner.load_pkcs12(path, passphrase=passphrase)
    chain = [c for c in loaded.cert_registry if c.subject == c.issuer] or [loaded.signing_cert]
    return b"".join(pem.armor("CERTIFICATE", c.dump()) for c in chain)


@dataclass
class Signer:
    """A loaded signing identity; sign() certifies a PDF so that no later change is allowed."""

    signer: signers.Signer
    timestamper: object | None = None

    @classmethod
    def from_folder(cls, folder: Path) -> Signer:
        return SignerSpec(folder=folder).load()

    @classmethod
    def from_pkcs12(cls, path: Path, passphrase: bytes | None) -> Signer:
        return SignerSpec(pkcs12=path, passphrase=passphrase).load()

    def sign(self, pdf: bytes, reason: str = "Examhall 签发") -> bytes:
        meta = signers.PdfSignatureMetadata(
            field_name="ExamhallSignature", reason=reason, certify=True,
            docmdp_permissions=fields.MDPPerm.NO_CHANGES, subfilter=fields.SigSeedSubFilter.PADES,
            md_algorithm="sha256")
        out = signers.PdfSigner(meta, signer=self.signer, timestamper=self.timestamper).sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf)),
            bytes_reserved=RESERVED_WITH_TIMESTAMP if self.timestamper else RESERVED_BYTES)
        return out.getvalue()


@dataclass(frozen=True)
class SignatureCheck:
    """What a signature check of an uploaded PDF found.  ``ok`` only when every part holds."""

    signed: bool
    intact: bool = False  # the signed bytes are unchanged
    trusted: bool = False  # the signer chains to one of the trusted roots
    entire_file: bool = False  # nothing was added after signing
    signer: str = ""
    timestamped: bool = False
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.signed and self.intact and self.trusted and self.entire_file


def check_signature(pdf: bytes, trust_roots_pem: bytes) -> SignatureCheck:
    """Validate the first signature of ``pdf`` against the given root certificates (PEM)."""
    # Validation's modules load only where documents are verified, not in every signing worker.
    from pyhanko.pdf_utils.misc import PdfReadError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        embedded = reader.embedded_signatures
    except (PdfReadError, ValueError, KeyError, TypeError, IndexError, RecursionError) as exc:
        # RecursionError: objects nested deeper than any real PDF (a hostile file), not a crash.
        return SignatureCheck(False, error=f"not a readable PDF: {exc}")
    if not embedded:
        return SignatureCheck(False, error="the PDF carries no signature")
    roots = [asn1_x509.Certificate.load(der) for _, _, der in pem.unarmor(trust_roots_pem, multiple=True)]
    try:
        status = validate_pdf_signature(embedded[0], ValidationContext(trust_roots=roots))
    except Exception as exc:  # pyHanko raises many kinds for malformed signatures
        return SignatureCheck(True, error=f"the signature cannot be checked: {exc}")
    return SignatureCheck(True, intact=bool(status.intact and status.valid), trusted=bool(status.trusted),
                          entire_file=status.coverage.name == "ENTIRE_FILE" and bool(status.docmdp_ok),
                          signer=status.signing_cert.subject.human_friendly,
                          timestamped=status.timestamp_validity is not None)
