"""Personal-data encryption: a data key per subject (AES-256-GCM) wrapped by a master key; erasure destroys it.

Values are stored as `nonce || ciphertext`, with the subject id and field name as associated data, so a
ciphertext copied to another subject or field does not decrypt. Keyed hashes (HMAC-SHA256) let the service
find duplicates without keeping the clear value searchable.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE_BYTES = 12


class KeyDestroyed(Exception):
    """The subject's data key was destroyed (erasure): the value can no longer be read."""


def decode_key(value: str) -> bytes:
    """A 32-byte key from its base64 form (what settings hold); refuses keys with next to no entropy."""
    raw = base64.b64decode(value, validate=True)
    if len(raw) != 32:
        raise ValueError("a key must be 32 bytes, base64-encoded")
    if len(set(raw)) < 8:
        raise ValueError("the key is weak (too few distinct bytes, e.g. all zeros); generate a random one")
    return raw


def new_key_b64() -> str:
    return base64.b64encode(os.urandom(32)).decode()


class KeyWrapper:
    """Wraps and unwraps per-subject data keys with the master key (AES-256-GCM, subject id as AAD)."""

    def __init__(self, master_key: bytes) -> None:
        self._aead = AESGCM(master_key)

    def new_wrapped_key(self, subject_id: str) -> bytes:
        return self.new_data_key(subject_id)[1]

    def new_data_key(self, subject_id: str) -> tuple[bytes, bytes]:
        """A new data key for the subject: (the key, the key wrapped for storage)."""
        key = AESGCM.generate_key(bit_length=256)
        return key, self.wrap(key, subject_id)

    def wrap(self, data_key: bytes, subject_id: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, data_key, subject_id.encode())

    def unwrap(self, wrapped: bytes | None, subject_id: str) -> bytes:
        if wrapped is None:
            raise KeyDestroyed(subject_id)
        return self._aead.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], subject_id.encode())


def encrypt_bytes(data_key: bytes, subject_id: str, field: str, value: bytes) -> bytes:
    """`nonce || AES-256-GCM(value)` bound to the subject and field (a file, a stored answer)."""
    nonce = os.urandom(NONCE_BYTES)
    return nonce + AESGCM(data_key).encrypt(nonce, value, f"{subject_id}:{field}".encode())


def decrypt_bytes(data_key: bytes, subject_id: str, field: str, blob: bytes) -> bytes:
    return AESGCM(data_key).decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], f"{subject_id}:{field}".encode())


def encrypt_field(data_key: bytes, subject_id: str, field: str, value: str) -> bytes:
    return encrypt_bytes(data_key, subject_id, field, value.encode())


def decrypt_field(data_key: bytes, subject_id: str, field: str, blob: bytes) -> str:
    return decrypt_bytes(data_key, subject_id, field, blob).decode()


def keyed_hash(hash_key: bytes, purpose: str, value: str) -> str:
    """HMAC-SHA256 of a normalised value, namespaced by purpose."""
    return hmac.new(hash_key, f"{purpose}:{value}".encode(), hashlib.sha256).hexdigest()
