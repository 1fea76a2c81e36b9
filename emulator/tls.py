"""Certificates for `--tls`: the user's own, or a self-signed one made once.

pydo refuses to send a bearer token over plain HTTP, so HTTPS on localhost is
what lets it work without options. The generated certificate covers
`localhost`, `127.0.0.1` and `::1`, and is kept in the data directory (or a
temporary one with `--in-memory`) so clients can trust it once.
"""

from __future__ import annotations

import datetime
import ipaddress
import logging
import tempfile
from pathlib import Path

from emulator.core.config import Settings

log = logging.getLogger(__name__)


def certificate_paths(settings: Settings) -> tuple[Path, Path]:
    if settings.tls_cert and settings.tls_key:
        return settings.tls_cert, settings.tls_key
    if settings.tls_cert or settings.tls_key:
        raise SystemExit("do-emulator: --tls-cert and --tls-key go together")
    folder = (
        Path(tempfile.mkdtemp()) if settings.in_memory else settings.data_dir / "tls"
    )
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = folder / "cert.pem", folder / "key.pem"
    if not (cert.exists() and key.exists()):
        write_self_signed(cert, key)
        log.info("self-signed certificate written to %s", cert)
    return cert, key


def write_self_signed(cert_path: Path, key_path: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "do-emulator")])
    now = datetime.datetime.now(datetime.UTC)
    names = [
        x509.DNSName("localhost"),
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("::1")),
    ]
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
