"""Request bodies: read with a size limit, parse as lenient JSON.

Upload bodies are mostly one Base64 string. Parsing that as JSON would copy and
scan it for nothing (~0.4 s per 100 MB), so for those `split_payload` cuts the
payload string out of the raw body, parses the small remainder, and checks that
the cut was exactly that one string; anything unusual falls back to a full parse.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from ..errors import BadRequest, PayloadTooLarge

__all__ = ["read_body", "parse_json_object", "split_payload", "too_large"]

_FAST_FROM = 1 << 20  # bodies smaller than this are simply parsed
_OFF_LOOP_FROM = 1 << 16  # bodies larger than this are parsed off the event loop
_PAYLOAD_KEY = re.compile(rb'"(X|Y|file_data)"\s*:\s*"')
# orjson refuses bodies nested deeper than this; the lenient fallback must not recurse past it either.
MAX_JSON_DEPTH = 1024
_SURROGATE = re.compile("[\ud800-\udfff]")
_TOO_DEEP = f"Request body is nested too deeply (more than {MAX_JSON_DEPTH} levels of arrays/objects)"


def too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"Request body is larger than the limit of {limit // (1024 * 1024)} MB")


async def read_body(request: Request, limit: int, *, file_payload: bool = False) -> dict[str, Any]:
    """The JSON object of the request, refusing more than `limit` bytes without holding them."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise too_large(limit)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise too_large(limit)
    parse = split_payload if file_payload else parse_json_object
    return await run_in_threadpool(parse, body) if len(body) > _OFF_LOOP_FROM else parse(body)


def parse_json_object(body: bytes | bytearray) -> dict[str, Any]:
    try:
        parsed = orjson.loads(body)
    except orjson.JSONDecodeError as error:
        if "depth limit" in str(error):
            raise BadRequest(_TOO_DEEP) from None
        if "surrogate" in str(error):
            raise BadRequest(_surrogate_message(str(error))) from None
        if not body:  # no body at all (the key may come as a Bearer header); whitespace is no JSON
            return {}
        parsed = _lenient_json(body)
        _refuse_surrogates(parsed)  # the lenient parser lets `\ud800` through; nothing after us can encode it
    if not isinstance(parsed, dict):
        raise BadRequest("Request body must be a JSON object")
    return parsed


def _lenient_json(body: bytes | bytearray) -> Any:
    """Accept what strict parsers refuse but clients send: raw newlines/tabs inside strings."""
    try:
        return json.loads(bytes(body).decode("utf-8", errors="replace"), strict=False)
    except json.JSONDecodeError as error:
        raise BadRequest(
            f"Request body is not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        ) from None
    except RecursionError:
        raise BadRequest(_TOO_DEEP) from None


def _surrogate_message(detail: str) -> str:
    return (
        f"Request body is not valid JSON text ({detail.split(':')[0]}): an escape such as \\ud800 that is "
        "half of a UTF-16 surrogate pair is not a character"
    )


def _refuse_surrogates(value: Any) -> None:
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if _SURROGATE.search(item):
                raise BadRequest(_surrogate_message("lone surrogate"))
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def split_payload(body: bytes | bytearray) -> dict[str, Any]:
    """The JSON object in `body`; its Base64 payload, when cut out safely, is a memoryview of it."""
    if len(body) >= _FAST_FROM:
        match = _PAYLOAD_KEY.search(body)
        if match is not None:
            start = match.end()
            end = body.find(b'"', start)
            if end > 0 and body.find(b"\\", start, end) < 0:
                rest = body[:start] + body[end:]
                if len(_PAYLOAD_KEY.findall(rest)) == 1:
                    try:
                        parsed = orjson.loads(rest)
                    except orjson.JSONDecodeError:
                        parsed = None
                    key = match.group(1).decode()
                    if isinstance(parsed, dict) and parsed.get(key) == "":
                        parsed[key] = memoryview(body)[start:end]  # no copy of the payload
                        return parsed
    return parse_json_object(body)
