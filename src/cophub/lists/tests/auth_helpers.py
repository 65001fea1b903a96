"""DKIM-signed test mail: a test RSA key made at test time, signatures made with dkimpy, and
the public key served through an injected DNS lookup (never the network)."""

import base64
import functools
from email.message import Message
from email.utils import parseaddr

import dkim
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from cophub.lists.inbound.authentication import AuthResult, sender_authenticate

SELECTOR = b"test"


@functools.cache
def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem() -> bytes:
    return _key().private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())


def dns_record() -> bytes:
    der = _key().public_key().public_bytes(serialization.Encoding.DER,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    return b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


def dns_with_test_key(name, timeout=5):
    """The test key for `test._domainkey.<any domain>`, nothing for other names."""
    name = name.decode() if isinstance(name, bytes) else name
    return dns_record() if name.startswith(SELECTOR.decode() + "._domainkey.") else None


def dkim_sign(raw: bytes, *, domain: str) -> bytes:
    """`raw` with a DKIM-Signature of `domain` (d=) prepended."""
    signature = dkim.sign(raw, SELECTOR, domain.encode(), private_pem(),
                          include_headers=[b"from", b"to", b"subject", b"message-id"])
    return signature + raw


def from_domain(message: Message) -> str:
    return parseaddr(str(message["From"]))[1].rpartition("@")[2]


def authenticated(message: Message) -> AuthResult:
    """What the router finds for `message` signed by its own From domain: a real check of a
    real signature, for the tests that call `post_receive` directly."""
    raw = dkim_sign(message.as_bytes(), domain=from_domain(message))
    result = sender_authenticate(raw, message, dnsfunc=dns_with_test_key)
    assert result.passed, result.reason
    return result
