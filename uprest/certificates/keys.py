"""The issuer's RSA keys that sign the Open Badges credentials, and the JWK Set that publishes their public parts.

Configuration (docs: the report of issue 13; uprest/config.py declares the settings):

- ``UPREST_CREDENTIAL_KEY``: the current private key, an RSA key of at least 2048 bits in PEM (PKCS#8 or PKCS#1,
  unencrypted), given as the PEM text itself or as the path of a PEM file (a relative path is under the instance
  folder). Every server of one installation must have the same key.
- Unset (the embedded default): a 3072-bit key is generated once into ``instance/credential_key.pem`` (mode 0600)
  and reused, as the secret key is.
- ``UPREST_CREDENTIAL_OLD_KEYS``: a JSON list of the retired keys (PEM text or file paths; a private key is
  accepted, only its public part is ever used). Their public keys stay in the JWK Set so that the credentials they
  signed still verify. The embedded default keeps them as files in ``instance/credential_keys_old/`` instead
  (``flask credentials rotate-key``); both sources are used.

Rotation with the settings: generate a new key (``openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072``),
add the current key to UPREST_CREDENTIAL_OLD_KEYS, set UPREST_CREDENTIAL_KEY to the new one, restart every server.
Never drop an old key while credentials it signed may still be shown.

A key's id (``kid``) is its RFC 7638 thumbprint (SHA-256, base64url); the credential's JOSE header names the key by
the URL of its JWK, ``<PUBLIC_BASE_URL>/.well-known/jwks/<kid>.json``, which is also the ``kid`` member of the
published JWK (so that a verifier that looks the header's ``kid`` up in the JWK Set finds it too).
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import click
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import Flask, current_app
from flask.cli import AppGroup
from joserfc.jwk import RSAKey

ALGORITHM = "RS256"
MIN_BITS = 2048
GENERATED_BITS = 3072
KEY_FILE = "credential_key.pem"
OLD_KEYS_DIR = "credential_keys_old"
_EXTENSION = "uprest.credential_keys"


class CredentialKeyError(RuntimeError):
    """A configured credential key that cannot be read or is not a strong enough RSA key."""


@dataclass(frozen=True)
class SigningKey:
    """The private key that signs, with its id and the URL of its public JWK (the JOSE header's ``kid``)."""

    key: RSAKey
    kid: str
    url: str


@dataclass(frozen=True)
class KeyRing:
    """The current key (private) and the retired keys (public only)."""

    current: SigningKey
    old: tuple[RSAKey, ...] = ()
    base_url: str = ""

    def public_keys(self) -> list[RSAKey]:
        """The current key first, then the retired ones, each once."""
        keys, seen = [], set()
        for key in (self.current.key, *self.old):
            kid = thumbprint(key)
            if kid not in seen:
                seen.add(kid)
                keys.append(key)
        return keys

    def jwks(self) -> dict:
        """The JWK Set: every public key, never a private member."""
        return {"keys": [public_jwk(key, self.base_url) for key in self.public_keys()]}

    def jwk(self, kid: str) -> dict | None:
        """The public JWK whose thumbprint is `kid`, or None."""
        for key in self.public_keys():
            if thumbprint(key) == kid:
                return public_jwk(key, self.base_url)
        return None


def thumbprint(key: RSAKey) -> str:
    """The key's RFC 7638 JWK thumbprint (SHA-256, base64url): its stable id."""
    return key.thumbprint()


def kid_url(kid: str, base_url: str | None = None) -> str:
    """The URL of the public JWK with id `kid` (the JOSE header's ``kid``). `base_url`: PUBLIC_BASE_URL."""
    base = current_app.config["PUBLIC_BASE_URL"] if base_url is None else base_url
    return f"{base.rstrip('/')}/.well-known/jwks/{kid}.json"


def public_jwk(key: RSAKey, base_url: str) -> dict:
    """The public part of `key` as a JWK (kty, n, e and what it is for), named by its URL."""
    jwk = {name: value for name, value in key.as_dict(private=False).items() if name in ("kty", "n", "e")}
    jwk.update(kid=kid_url(thumbprint(key), base_url), alg=ALGORITHM, use="sig")
    return jwk


def signing_key(key: RSAKey, base_url: str) -> SigningKey:
    """`key` (private) with its id and its JWK's URL."""
    kid = thumbprint(key)
    return SigningKey(key=key, kid=kid, url=kid_url(kid, base_url))


def _pem(value: str, instance: Path) -> bytes:
    """PEM text as given, or the content of the file it names (relative to the instance folder)."""
    if value.lstrip().startswith("-----BEGIN"):
        return value.strip().encode()
    path = Path(value.strip())
    if not path.is_absolute():
        path = instance / path
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CredentialKeyError(f"credential key file {path}: {exc.strerror}") from None


def _check_strength(key: RSAKey, what: str) -> RSAKey:
    bits = key.raw_value.key_size if hasattr(key.raw_value, "key_size") else 0
    if bits < MIN_BITS:
        raise CredentialKeyError(f"{what} is a {bits}-bit RSA key; at least {MIN_BITS} bits are needed")
    return key


def load_private_key(value: str, instance: Path, what: str = "UPREST_CREDENTIAL_KEY") -> RSAKey:
    """The RSA private key in `value` (PEM text or a file path)."""
    try:
        key = RSAKey.import_key(_pem(value, instance))
    except CredentialKeyError:
        raise
    except Exception as exc:  # joserfc and cryptography raise several kinds for a text that is not a key
        raise CredentialKeyError(f"{what} is not an unencrypted RSA key in PEM: {exc}") from None
    if not key.is_private:
        raise CredentialKeyError(f"{what} is a public key; the private key is needed to sign")
    return _check_strength(key, what)


def load_public_key(value: str | bytes, instance: Path, what: str = "UPREST_CREDENTIAL_OLD_KEYS") -> RSAKey:
    """The public part of the RSA key in `value` (PEM text, a file path, or PEM bytes)."""
    pem = value if isinstance(value, bytes) else _pem(value, instance)
    try:
        key = RSAKey.import_key(pem)
    except Exception as exc:
        raise CredentialKeyError(f"{what}: not an RSA key in PEM: {exc}") from None
    public = RSAKey.import_key(key.as_dict(private=False))
    return _check_strength(public, what)


def generate_private_key(bits: int = GENERATED_BITS) -> RSAKey:
    return RSAKey.import_key(rsa.generate_private_key(public_exponent=65537, key_size=bits))


def private_pem(key: RSAKey) -> bytes:
    return key.raw_value.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def public_pem(key: RSAKey) -> bytes:
    public = key.raw_value.public_key() if key.is_private else key.raw_value
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def _write_once(path: Path, data: bytes) -> bool:
    """Write `data` to `path` (mode 0600) unless it exists; atomic, so that a reader never sees half a key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, path)  # fails if another worker wrote it first: theirs is kept
        return True
    except FileExistsError:
        return False
    finally:
        tmp.unlink(missing_ok=True)


def _instance_key(instance: Path) -> RSAKey:
    """The key generated once into the instance folder (and reused afterwards)."""
    path = instance / KEY_FILE
    if not path.exists():
        _write_once(path, private_pem(generate_private_key()))
    return load_private_key(str(path), instance, what=str(path))


def _instance_old_keys(instance: Path) -> list[RSAKey]:
    folder = instance / OLD_KEYS_DIR
    if not folder.is_dir():
        return []
    return [load_public_key(str(p), instance, what=str(p)) for p in sorted(folder.glob("*.pem"))]


def load_keyring(app: Flask) -> KeyRing:
    """Read (or, when unset, generate) the keys of `app`'s configuration."""
    instance = Path(app.instance_path)
    configured = app.config.get("CREDENTIAL_KEY")
    current = load_private_key(configured, instance) if configured else _instance_key(instance)
    old = [load_public_key(value, instance) for value in app.config.get("CREDENTIAL_OLD_KEYS") or ()]
    old += _instance_old_keys(instance)
    base = app.config["PUBLIC_BASE_URL"]
    return KeyRing(current=signing_key(current, base), old=tuple(old), base_url=base)


def keyring(app: Flask | None = None) -> KeyRing:
    """The app's keys, read once per process (restart the servers after a rotation)."""
    app = app or current_app._get_current_object()
    ring = app.extensions.get(_EXTENSION)
    if ring is None:
        ring = app.extensions[_EXTENSION] = load_keyring(app)
    return ring


def current_signing_key() -> SigningKey:
    """The key that signs new credentials."""
    return keyring().current


def jwks() -> dict:
    """The published JWK Set: the current and the retired public keys."""
    return keyring().jwks()


def check_configuration(app: Flask) -> None:
    """Refuse to start with a configured key that cannot sign or verify (a generated key is made on first use)."""
    instance = Path(app.instance_path)
    if app.config.get("CREDENTIAL_KEY"):
        load_private_key(app.config["CREDENTIAL_KEY"], instance)
    for value in app.config.get("CREDENTIAL_OLD_KEYS") or ():
        load_public_key(value, instance)


def rotate_instance_key(app: Flask) -> tuple[str, str]:
    """Retire the instance folder's key (its public part kept in credential_keys_old/) and generate a new one.

    Returns the old and the new key ids. Only for the embedded default: with UPREST_CREDENTIAL_KEY set, rotate
    by changing the settings.
    """
    if app.config.get("CREDENTIAL_KEY"):
        raise CredentialKeyError(
            "UPREST_CREDENTIAL_KEY is set: rotate by moving it to UPREST_CREDENTIAL_OLD_KEYS and setting a new key"
        )
    instance = Path(app.instance_path)
    old = _instance_key(instance)
    old_kid = thumbprint(old)
    _write_once(instance / OLD_KEYS_DIR / f"{old_kid}.pem", public_pem(old))
    new = generate_private_key()
    path = instance / KEY_FILE
    tmp = path.with_name(f".{KEY_FILE}.new")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(private_pem(new))
    os.replace(tmp, path)
    app.extensions.pop(_EXTENSION, None)
    return old_kid, thumbprint(new)


credentials_cli = AppGroup("credentials", help="The keys that sign the Open Badges credentials.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(credentials_cli)


@credentials_cli.command("rotate-key")
def rotate_key_command():
    """Generate a new signing key into the instance folder; the old public key stays published.

    Credentials signed before keep verifying. Restart the server afterwards. With UPREST_CREDENTIAL_KEY set, rotate
    by changing the settings instead (see uprest/certificates/keys.py).
    """
    try:
        old_kid, new_kid = rotate_instance_key(current_app._get_current_object())
    except CredentialKeyError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"retired key {old_kid} (still published); new key {new_kid}. Restart the server.")


@credentials_cli.command("jwks")
def jwks_command():
    """Print the published JWK Set (public keys only)."""
    import json

    click.echo(json.dumps(jwks(), indent=2))
