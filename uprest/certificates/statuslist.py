"""W3C Bitstring Status List v1.0 (https://www.w3.org/TR/vc-bitstring-status-list/): how a verifier learns that a
credential was revoked without telling us which credential it checks.

Every credential gets an index in one shared list; revoking it sets that bit. The list is a bitstring of at least
131,072 bits (16 KiB, so that one index hides among many), index 0 being the most significant bit of the first byte,
GZIP-compressed and written as a Multibase base64url string (the prefix ``u``, then base64url without padding).
A list with no revocation compresses to about 150 characters. Pure: no Flask, no database.
"""

from __future__ import annotations

import base64
import gzip
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
#: The smallest list the specification allows (16 KiB of bits), and our default.
MIN_SIZE = 131_072
#: A list larger than this is refused when decoding (a GZIP bomb cannot exhaust memory): 16 MiB of bits' bytes.
MAX_DECODED_BYTES = 16 * 1024 * 1024
MULTIBASE_BASE64URL = "u"
PURPOSE = "revocation"


@dataclass(frozen=True)
class StatusEntry:
    """Where a credential's revocation bit is: the list credential's URL and the bit's index in it."""

    list_url: str
    index: int
    purpose: str = PURPOSE

    def as_dict(self) -> dict:
        """The credential's ``credentialStatus`` (a BitstringStatusListEntry)."""
        if self.index < 0:
            raise ValueError(f"status list index {self.index} is negative")
        return {
            "id": f"{self.list_url}#{self.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": self.purpose,
            "statusListIndex": str(self.index),  # a string, as the specification writes it
            "statusListCredential": self.list_url,
        }


def encode(revoked_indices: set[int] | frozenset[int], size: int = MIN_SIZE) -> str:
    """The ``encodedList`` of a list of `size` bits in which exactly `revoked_indices` are set."""
    if size < MIN_SIZE or size % 8:
        raise ValueError(f"a status list has a multiple of 8 bits, at least {MIN_SIZE}; got {size}")
    bits = bytearray(size // 8)
    for index in revoked_indices:
        if not 0 <= index < size:
            raise ValueError(f"status list index {index} is outside 0..{size - 1}")
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), compresslevel=9, mtime=0)  # mtime 0: the same list, the same text
    return MULTIBASE_BASE64URL + base64.urlsafe_b64encode(compressed).rstrip(b"=").decode("ascii")


def bitstring(encoded: str) -> bytes:
    """The uncompressed bitstring of an ``encodedList`` (with or without the Multibase prefix ``u``)."""
    text = encoded.strip()
    if text.startswith(MULTIBASE_BASE64URL):
        text = text[1:]
    try:
        compressed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        inflater = zlib.decompressobj(wbits=31)  # 31: a GZIP wrapper
        bits = inflater.decompress(compressed, MAX_DECODED_BYTES)
    except (ValueError, zlib.error) as exc:
        raise ValueError(f"not a GZIP-compressed base64url status list: {exc}") from None
    if inflater.unconsumed_tail:
        raise ValueError(f"status list larger than {MAX_DECODED_BYTES} bytes")
    if not inflater.eof:
        raise ValueError("status list truncated")
    return bits


def decode(encoded: str) -> set[int]:
    """The indices whose bit is set in an ``encodedList``."""
    revoked = set()
    for byte_index, byte in enumerate(bitstring(encoded)):
        if byte:
            revoked.update(byte_index * 8 + bit for bit in range(8) if byte & (0x80 >> bit))
    return revoked


def is_set(encoded: str, index: int) -> bool:
    """Whether the bit at `index` is set (a verifier's question: is this credential revoked?)."""
    bits = bitstring(encoded)
    if not 0 <= index < len(bits) * 8:
        raise ValueError(f"status list index {index} is outside the list of {len(bits) * 8} bits")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_list_credential(url: str, encoded: str, issuer: str | dict, valid_from: datetime) -> dict:
    """The BitstringStatusListCredential published at `url` (unsigned: sign it like any credential).

    `issuer` is the issuer's id or its Profile; it must be the issuer of the credentials that point at this list.
    """
    if valid_from.tzinfo is None:
        valid_from = valid_from.replace(tzinfo=UTC)
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": valid_from.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": PURPOSE,
            "encodedList": encoded,
        },
    }
