"""decode_payload: base64 with whitespace, gzip (requested or sniffed), the size limit, checksums."""

from __future__ import annotations

import base64
import gzip
import hashlib
import tracemalloc
import zlib

import pytest

from vecml_local.errors import PayloadTooLarge
from vecml_local.ingest.errors import IngestError
from vecml_local.ingest.payload import decode_payload

FILE = b"a,b\n1,2\n3,4\n"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_plain_base64_with_newlines_and_spaces() -> None:
    text = b64(FILE * 50)
    wrapped = "\n".join(text[i : i + 76] for i in range(0, len(text), 76)) + "\r\n  "
    assert decode_payload(wrapped, field="X").data == FILE * 50


def test_missing_padding_and_urlsafe_alphabet() -> None:
    data = bytes(range(256))
    text = base64.urlsafe_b64encode(data).decode().rstrip("=")
    assert decode_payload(text, field="X").data == data


def test_invalid_base64_names_the_field() -> None:
    with pytest.raises(IngestError, match=r"^file_data: not valid base64"):
        decode_payload("abc$def", field="file_data")
    with pytest.raises(IngestError, match=r"^X: not valid base64 \(non-ASCII characters\)$"):
        decode_payload("abcé", field="X")


def test_gzip_when_requested_or_sniffed() -> None:
    packed = b64(gzip.compress(FILE))
    assert decode_payload(packed, field="X", compression_type="gzip").data == FILE
    assert decode_payload(packed, field="X").data == FILE  # magic bytes
    assert decode_payload(packed, field="X", compression_type="GZIP").data == FILE


def test_concatenated_gzip_members() -> None:
    packed = gzip.compress(b"a,b\n") + gzip.compress(b"1,2\n")
    assert decode_payload(b64(packed), field="X").data == b"a,b\n1,2\n"


def test_gzip_requested_but_not_gzip() -> None:
    with pytest.raises(IngestError, match=r"^X: compression_type is gzip but the data is not gzip-compressed$"):
        decode_payload(b64(FILE), field="X", compression_type="gzip")


def test_truncated_gzip() -> None:
    with pytest.raises(IngestError, match=r"^X: the gzip data is truncated$"):
        decode_payload(b64(gzip.compress(FILE * 100)[:-20]), field="X")


def test_unknown_compression_type() -> None:
    with pytest.raises(IngestError) as error:
        decode_payload(b64(FILE), field="X", compression_type="zip")
    assert error.value.message == "compression_type: unsupported value 'zip' (only 'gzip' is supported)"


def test_size_limit_plain_and_gzip() -> None:
    with pytest.raises(PayloadTooLarge, match=r"^X: the decompressed file is larger than the limit of 10 bytes"):
        decode_payload(b64(FILE), field="X", max_decoded_bytes=10)
    with pytest.raises(PayloadTooLarge, match="decompression stopped"):
        decode_payload(b64(gzip.compress(FILE)), field="X", max_decoded_bytes=10)
    assert decode_payload(b64(gzip.compress(FILE)), field="X", max_decoded_bytes=len(FILE)).data == FILE


def test_output_past_keep_limit_is_read_twice_and_still_correct() -> None:
    data = bytes(range(256)) * 4000
    assert decode_payload(b64(gzip.compress(data)), field="X", keep_limit=1000).data == data


def _bomb(total: int, member: int = 64 * 1024 * 1024) -> bytes:
    """gzip members of zeros, concatenated: `total` bytes once inflated, ~1/1000 of that sent."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    one = compressor.compress(bytes(member)) + compressor.flush()
    return one * (total // member)


def test_gzip_bomb_of_8_gb_refused_with_little_memory() -> None:
    bomb = _bomb(8 * 1024**3)
    assert len(bomb) < 9 * 1024 * 1024
    text = b64(bomb)
    tracemalloc.start()
    try:
        with pytest.raises(PayloadTooLarge) as error:
            decode_payload(text, field="X", compression_type="gzip", max_decoded_bytes=2 * 1024**3)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.value.message == (
        "X: the decompressed file is larger than the limit of 2147483648 bytes (2048 MB); decompression stopped"
    )
    assert peak < 400 * 1024 * 1024


def test_single_member_bomb() -> None:
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    block = bytes(1024 * 1024)
    packed = b"".join(compressor.compress(block) for _ in range(64)) + compressor.flush()
    with pytest.raises(PayloadTooLarge):
        decode_payload(b64(packed), field="X", max_decoded_bytes=32 * 1024 * 1024, keep_limit=1024 * 1024)


def test_checksum_of_base64_text_or_decoded_bytes() -> None:
    text = b64(gzip.compress(FILE))
    server = hashlib.sha256(text.encode()).hexdigest()
    for checksum in (
        server,
        server.upper(),
        hashlib.sha256(base64.b64decode(text)).hexdigest(),
        hashlib.sha256(FILE).hexdigest(),
    ):
        decoded = decode_payload(text, field="X", checksum=checksum)
        assert decoded.data == FILE and decoded.checksum_server == server
    assert decode_payload(text, field="X").checksum_server is None


def test_checksum_mismatch() -> None:
    text = b64(FILE)
    server = hashlib.sha256(text.encode()).hexdigest()
    with pytest.raises(IngestError) as error:
        decode_payload(text, field="X", checksum="0" * 64)
    assert error.value.message == (
        f"checksum: the SHA-256 sent ({'0' * 64}) does not match the X payload received "
        f"(SHA-256 of the base64 text: {server}); nothing was stored"
    )
