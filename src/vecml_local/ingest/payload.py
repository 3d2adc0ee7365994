"""Decode a file payload sent inside a JSON body: base64, optional gzip, checksum.

- Base64 with any whitespace or newlines inside (stripped with ``bytes.translate``);
  missing ``=`` padding and the URL-safe alphabet are tolerated.
- gzip when ``compression_type`` is ``"gzip"`` or the decoded bytes start with
  the gzip magic ``1f 8b``; several concatenated gzip members are read in turn.
- Decompression is streamed in chunks and stops as soon as the output passes
  ``max_decoded_bytes`` (:class:`PayloadTooLarge`). Output is kept in memory only
  up to ``keep_limit`` bytes; past that the stream is only measured, and read a
  second time once it is known to fit, so a decompression bomb costs little memory.
- Checksum (DESIGN §5): SHA-256 hex of the base64 text as sent; a SHA-256 of the
  decoded bytes (before or after gunzip) is accepted too. ``checksum_server`` is
  the former. A mismatch is a :class:`FieldError` naming ``checksum``.
"""

from __future__ import annotations

import binascii
import hashlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vecml_local.errors import PayloadTooLarge

from .errors import FieldError

if TYPE_CHECKING:
    # zlib-ng mirrors zlib's API; its stub declares `error` as an instance, not an exception class.
    import zlib as _zlib
else:
    try:  # zlib-ng inflates 3-5x faster than zlib: a decompression bomb is measured sooner
        from zlib_ng import zlib_ng as _zlib
    except ImportError:  # pragma: no cover - zlib-ng is a dependency; zlib is the fallback
        import zlib as _zlib

_fast_b64decode: Callable[..., bytes] | None
try:
    from pybase64 import b64decode as _fast_b64decode
except ImportError:  # pragma: no cover - pybase64 is a dependency; binascii is the fallback
    _fast_b64decode = None

__all__ = ["DecodedPayload", "decode_payload", "gunzip_limited", "GZIP_MAGIC"]

GZIP_MAGIC = b"\x1f\x8b"
_WHITESPACE = b" \t\r\n\f\v"
_URLSAFE = bytes.maketrans(b"-_", b"+/")
_CHUNK = 1024 * 1024  # output per inflate call: small chunks reuse memory and run fastest
_KEEP_LIMIT = 256 * 1024 * 1024


@dataclass(frozen=True)
class DecodedPayload:
    data: bytes
    checksum_server: str | None = None


def decode_payload(
    text: str | bytes | memoryview,
    *,
    field: str,
    compression_type: str | None = None,
    checksum: str | None = None,
    max_decoded_bytes: int = 2 * 1024**3,
    keep_limit: int = _KEEP_LIMIT,
) -> DecodedPayload:
    """Bytes of the file sent base64-encoded in the request field ``field``."""
    gzip_requested = _compression(compression_type)
    raw = _b64decode(text, field)
    hashes: set[str] = set()
    if checksum:
        hashes.add(hashlib.sha256(raw).hexdigest())
    if gzip_requested or raw[:2] == GZIP_MAGIC:
        if raw[:2] != GZIP_MAGIC:
            raise FieldError(field, "compression_type is gzip but the data is not gzip-compressed")
        data = gunzip_limited(raw, max_decoded_bytes=max_decoded_bytes, field=field, keep_limit=keep_limit)
        if checksum:
            hashes.add(hashlib.sha256(data).hexdigest())
    else:
        if len(raw) > max_decoded_bytes:
            raise PayloadTooLarge(_too_large(field, max_decoded_bytes))
        data = raw
    server = None
    if checksum:
        server = hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()
        hashes.add(server)
        if checksum.strip().lower() not in hashes:
            raise FieldError(
                "checksum",
                f"the SHA-256 sent ({checksum.strip()}) does not match the {field} "
                f"payload received (SHA-256 of the base64 text: {server}); nothing was stored",
            )
    return DecodedPayload(data=data, checksum_server=server)


def _compression(value: str | None) -> bool:
    if value is None:
        return False
    name = str(value).strip().lower()
    if name in ("", "none", "no", "identity"):
        return False
    if name in ("gzip", "gz"):
        return True
    raise FieldError("compression_type", f"unsupported value {value!r} (only 'gzip' is supported)")


def _b64decode(text: str | bytes | memoryview, field: str) -> bytes:
    if _fast_b64decode is not None and isinstance(text, str | bytes | memoryview):
        try:  # the common case: clean, padded base64 (SIMD decoder, ~1 GB/s)
            return _fast_b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            pass  # whitespace, URL-safe alphabet, missing padding...: the tolerant path below
    if isinstance(text, str):
        try:
            encoded = text.encode("ascii")
        except UnicodeEncodeError:
            raise FieldError(field, "not valid base64 (non-ASCII characters)") from None
    elif isinstance(text, bytes | bytearray | memoryview):
        encoded = bytes(text)
    else:
        raise FieldError(field, "expected a base64 string")
    encoded = encoded.translate(None, _WHITESPACE)
    if b"-" in encoded or b"_" in encoded:
        encoded = encoded.translate(_URLSAFE)
    if encoded.startswith(b"data:") and b"," in encoded[:200]:  # data URL prefix
        encoded = encoded.split(b",", 1)[1]
    encoded = encoded.rstrip(b"=")
    if len(encoded) % 4 == 1:
        raise FieldError(field, f"not valid base64 (truncated: {len(encoded)} characters)")
    encoded += b"=" * (-len(encoded) % 4)
    try:
        if _fast_b64decode is not None:
            return _fast_b64decode(encoded, validate=True)
        if sys.version_info >= (3, 11):  # strict_mode is new in 3.11
            return binascii.a2b_base64(encoded, strict_mode=True)
        return binascii.a2b_base64(encoded)
    except (binascii.Error, ValueError) as exc:
        raise FieldError(field, f"not valid base64 ({exc})") from None


def _too_large(field: str, limit: int) -> str:
    return (
        f"{field}: the decompressed file is larger than the limit of {limit} bytes "
        f"({limit / 1024**2:.0f} MB); decompression stopped"
    )


def gunzip_limited(
    raw: bytes, *, max_decoded_bytes: int, field: str = "file_data", keep_limit: int = _KEEP_LIMIT
) -> bytes:
    """Gunzip ``raw`` (possibly several members), refusing output over ``max_decoded_bytes``."""
    kept = _inflate(raw, max_decoded_bytes, field, keep=min(keep_limit, max_decoded_bytes))
    if kept is None:  # too big to keep on the first pass, but within the limit
        kept = _inflate(raw, max_decoded_bytes, field, keep=max_decoded_bytes)
        assert kept is not None
    return kept


def _inflate(raw: bytes, limit: int, field: str, *, keep: int) -> bytes | None:
    """Stream-inflate; the bytes, or None once output passed ``keep`` (measuring on to ``limit``)."""
    parts: list[bytes] | None = []
    total = 0
    rest = raw
    while rest:
        d = _zlib.decompressobj(wbits=31)
        buf = rest
        while True:
            try:
                out = d.decompress(buf, _CHUNK)
            except _zlib.error as exc:
                raise FieldError(field, f"not valid gzip data ({exc})") from None
            total += len(out)
            if total > limit:
                raise PayloadTooLarge(_too_large(field, limit))
            if parts is not None:
                if total > keep:
                    parts = None
                else:
                    parts.append(out)
            if d.eof:
                break
            buf = d.unconsumed_tail
            if not buf and not out:
                raise FieldError(field, "the gzip data is truncated")
        rest = d.unused_data
        if rest and rest[:2] != GZIP_MAGIC:
            if rest.strip(b"\x00"):  # trailing zero padding is tolerated
                raise FieldError(field, "unexpected bytes after the gzip data")
            break
    return None if parts is None else b"".join(parts)
