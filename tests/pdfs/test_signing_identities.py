"""Signing identities other than the instance's own: an organisation's PKCS#12 file, and PAdES B-T
with a timestamp from a timestamp server (a real HTTP one on localhost, RFC 3161)."""
from __future__ import annotations

import datetime as dt
import io
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from asn1crypto import keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

from pdfs.certificate import render_certificate
from pdfs.signing import CA_CERT, CA_KEY, SIGNER_CERT, SIGNER_KEY, SignerSpec, check_signature, ensure_authority
from tests.builders import CERTIFICATE


@pytest.fixture(scope="module")
def authority(tmp_path_factory):
    folder = tmp_path_factory.mktemp("authority")
    ensure_authority(folder, "示范银行")
    return folder


def _load(folder, name):
    return serialization.load_pem_private_key((folder / name).read_bytes(), password=None)


def test_an_organisations_pkcs12_file_signs_and_names_its_root(authority, tmp_path):
    signer_cert = x509.load_pem_x509_certificate((authority / SIGNER_CERT).read_bytes())
    bundle = pkcs12.serialize_key_and_certificates(
        b"examhall", _load(authority, SIGNER_KEY), signer_cert,
        [x509.load_pem_x509_certificate((authority / CA_CERT).read_bytes())],
        serialization.BestAvailableEncryption(b"s3cret-pass"))
    path = tmp_path / "org.p12"
    path.write_bytes(bundle)
    spec = SignerSpec(pkcs12=path, passphrase=b"s3cret-pass")
    assert spec.authority_pem() == (authority / CA_CERT).read_bytes()
    signed = spec.load().sign(render_certificate(CERTIFICATE))
    assert check_signature(signed, spec.authority_pem()).ok
    with pytest.raises(ValueError):
        SignerSpec(pkcs12=path, passphrase=b"wrong").load()


class _Tsa(BaseHTTPRequestHandler):
    stamper: DummyTimeStamper
    requests = 0

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        response = self.stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
        type(self).requests += 1
        self.send_response(200)
        self.send_header("Content-Type", "application/timestamp-reply")
        self.send_header("Content-Length", str(len(response)))
        self.end_headers()
        self.wfile.write(response)

    def log_message(self, *args):
        pass


@pytest.fixture
def timestamp_server(authority):
    """A timestamp authority whose certificate the examination authority issued (timeStamping EKU)."""
    ca_key, ca_cert = _load(authority, CA_KEY), x509.load_pem_x509_certificate((authority / CA_CERT).read_bytes())
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "测试时间戳")]))
            .issuer_name(ca_cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
            .sign(ca_key, hashes.SHA256()))
    der = serialization.Encoding.DER
    _Tsa.stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(der)),
        tsa_key=keys.PrivateKeyInfo.load(key.private_bytes(der, serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption())))
    _Tsa.requests = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Tsa)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/tsa"
    server.shutdown()
    server.server_close()


def test_with_a_timestamp_server_the_signature_is_pades_b_t(authority, timestamp_server):
    signed = SignerSpec(folder=authority, timestamp_url=timestamp_server).load().sign(
        render_certificate(CERTIFICATE))
    assert _Tsa.requests >= 1
    check = check_signature(signed, (authority / CA_CERT).read_bytes())
    assert check.ok and check.timestamped
    signature = PdfFileReader(io.BytesIO(signed)).embedded_signatures[0]
    unsigned = [attr["type"].native for attr in signature.signer_info["unsigned_attrs"]]
    assert "signature_time_stamp_token" in unsigned  # what makes it B-T


def test_without_one_there_is_no_timestamp(authority):
    signed = SignerSpec(folder=authority).load().sign(render_certificate(CERTIFICATE))
    assert not check_signature(signed, (authority / CA_CERT).read_bytes()).timestamped
