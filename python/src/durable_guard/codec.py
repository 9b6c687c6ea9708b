"""The payload codec of src/codec/aes-gcm-codec.ts: AES-256-GCM over the serialised Payload, ``iv || ciphertext ||
tag``, metadata ``encoding: binary/encrypted`` and ``encryption-key-id``. Keys from ``DURABLE_GUARD_CODEC_KEYS``
(``id:<base64 of 32 bytes>,...``, the first encrypts, all decrypt)."""

from __future__ import annotations

import base64
import binascii
import os
from typing import Mapping, Optional, Sequence

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import PayloadCodec

from .config import ConfigError

ENCRYPTED_ENCODING = b"binary/encrypted"
KEY_ID_KEY = "encryption-key-id"
CODEC_KEYS_ENV = "DURABLE_GUARD_CODEC_KEYS"


def load_codec_keys(env: Optional[Mapping[str, str]] = None) -> Optional[list[tuple[str, bytes]]]:
    raw = (os.environ if env is None else env).get(CODEC_KEYS_ENV, "").strip()
    if not raw:
        return None
    keys: list[tuple[str, bytes]] = []
    for index, entry in enumerate(raw.split(","), start=1):
        key_id, _, encoded = entry.strip().partition(":")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except binascii.Error as err:
            raise ConfigError(f"{CODEC_KEYS_ENV} entry {index}: the key is not base64") from err
        if not key_id or len(key) != 32:
            raise ConfigError(f"{CODEC_KEYS_ENV} entry {index}: expected 'id:<base64 of 32 bytes>'")
        keys.append((key_id.strip(), key))
    return keys


class AesGcmCodec(PayloadCodec):
    """Encrypts whole payloads; payloads that are not encrypted pass through ``decode``."""

    def __init__(self, keys: Sequence[tuple[str, bytes]]) -> None:
        if not keys:
            raise ConfigError(f"{CODEC_KEYS_ENV}: no key given")
        self._keys = {key_id: AESGCM(key) for key_id, key in keys}
        self._active = keys[0][0]

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for payload in payloads:
            iv = os.urandom(12)
            data = iv + self._keys[self._active].encrypt(iv, payload.SerializeToString(), None)
            out.append(
                Payload(metadata={"encoding": ENCRYPTED_ENCODING, KEY_ID_KEY: self._active.encode()}, data=data)
            )
        return out

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        out = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCRYPTED_ENCODING:
                out.append(payload)
                continue
            key_id = payload.metadata.get(KEY_ID_KEY, b"").decode()
            aes = self._keys.get(key_id)
            if aes is None:
                raise ConfigError(f"payload was encrypted with key id '{key_id}', not in {CODEC_KEYS_ENV}")
            out.append(Payload.FromString(aes.decrypt(payload.data[:12], payload.data[12:], None)))
        return out
