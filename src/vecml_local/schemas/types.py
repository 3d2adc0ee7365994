"""The scalar types every request model uses, so a wrong value gets the same answer everywhere.

Clients of the cloud send numbers as strings (`"5"`, `"1e-4"`) and booleans as `"true"`,
`1` or `"no"`; those are accepted. What no endpoint can use is refused, naming the field:
non-finite numbers (NaN, Infinity, `1e400`), integers beyond ±(2^53 - 1) (what a double
holds exactly), fractions where a count is expected, and strings holding a NUL or a lone
UTF-16 surrogate (which could not be written back as JSON or to a file name). Bounds are the field's `Field(ge=..., le=...)`.

Each error is a `PydanticCustomError`; `api.deps` renders a validation error as
`"<field>: <message>"`, except the name errors of `Name`, which already start with the
field's name ("collection_name 'a b' may contain only ...", the wording clients test for).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, ValidationInfo, WithJsonSchema
from pydantic_core import PydanticCustomError

from ..limits import MAX_APPLICATION_LENGTH, MAX_ATTRIBUTE_NAME_LENGTH, MAX_NAME_LENGTH, MAX_TEXT_LENGTH

__all__ = [
    "LenientInt",
    "LenientFloat",
    "LenientBool",
    "Text",
    "ApplicationText",
    "Name",
    "AttributeName",
    "OptionalText",
    "OptionalAttributeName",
    "NameList",
    "BinaryDtype",
    "NAMED_ERROR",
    "MAX_NAME_LENGTH",
    "SEED_MAX",
    "INT_BOUND",
    "name_problem",
    "lenient_int",
    "lenient_float",
    "lenient_bool",
    "safe_text",
    "text_problem",
    "choice",
    "FileFormat",
    "VectorType",
    "RequiredVectorType",
    "VectorTypeName",
    "CompressionType",
    "FILE_FORMATS",
    "VECTOR_TYPES",
]

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# The integers a lenient field takes: those a double holds exactly (what JSON carries between
# most clients), so that the bound the OpenAPI document states is exactly the one enforced.
INT_BOUND = 2**53 - 1
# Random seeds: numpy's classic seed range. (A JSON client cannot even send every 64-bit
# integer exactly: many parse numbers as doubles.)
SEED_MAX = 2**32 - 1
NAMED_ERROR = "vecml_named"  # the error type whose message already names the field
_NAME = re.compile(rf"[A-Za-z0-9_.\-]{{1,{MAX_NAME_LENGTH}}}")
# The same rule for JSON Schema, "." and ".." excluded without a lookahead (length: maxLength).
_NAME_SCHEMA = r"^(?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-][A-Za-z0-9_.\-]*|\.{3,})$"
_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})


def _refuse(message: str, value: Any) -> PydanticCustomError:
    shown = repr(value)
    if len(shown) > 60:
        shown = shown[:57] + "..."
    return PydanticCustomError("vecml_value", message + "; got {shown}", {"shown": shown})


def lenient_int(value: Any) -> int:
    """An integer from an int, an integral float or a numeric string, within ±INT_BOUND."""
    number = value
    if isinstance(value, str):
        text = value.strip()
        try:
            number = int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:
                raise _refuse("must be an integer", value) from None
    if isinstance(number, bool) or not isinstance(number, int | float):
        raise _refuse("must be an integer", value)
    if isinstance(number, float):
        if not math.isfinite(number):
            raise _refuse("must be a finite integer", value)
        if not number.is_integer():
            raise _refuse("must be an integer", value)
        number = int(number)
    if not -INT_BOUND <= number <= INT_BOUND:
        raise _refuse(f"is out of range (beyond ±{INT_BOUND:,}, the integers JSON carries exactly)", value)
    return number


def lenient_float(value: Any) -> float:
    """A finite float from a number or a numeric string (`"1e-4"`)."""
    number = value
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            raise _refuse("must be a number", value) from None
    if isinstance(number, bool) or not isinstance(number, int | float):
        raise _refuse("must be a number", value)
    try:
        number = float(number)
    except OverflowError:  # an integer beyond the float range
        raise _refuse("must be a finite number", value) from None
    if not math.isfinite(number):
        raise _refuse("must be a finite number", value)
    return number


def lenient_bool(value: Any) -> bool:
    """true/false, 1/0, or the strings "true"/"false", "1"/"0", "yes"/"no" (any case)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in _TRUE:
            return True
        if word in _FALSE:
            return False
    raise _refuse("must be true or false", value)


def text_problem(value: str) -> str | None:
    """Why `value` cannot be stored or written back as JSON (NUL, lone surrogate), or None."""
    if "\x00" in value:
        return "must not contain a NUL character"
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return "must be valid Unicode text (it holds a lone surrogate)"
    return None


def _bounded_text(limit: int) -> Callable[[Any], Any]:
    def check(value: Any) -> Any:
        """A string without NUL or lone surrogates, at most `limit` characters; anything else
        is left to pydantic's `str`."""
        if isinstance(value, str):
            problem = text_problem(value)
            if problem:
                raise _refuse(problem, value)
            if len(value) > limit:
                raise _refuse(f"is longer than {limit} characters ({len(value)})", value)
        return value

    return check


safe_text = _bounded_text(MAX_TEXT_LENGTH)
_attribute_name = _bounded_text(MAX_ATTRIBUTE_NAME_LENGTH)


def name_problem(value: object, field: str) -> str | None:
    """Why `value` is not a valid project, collection or model name (DESIGN §5), or None."""
    if not isinstance(value, str) or value == "":
        return f"{field} is required and must be a non-empty string"
    if len(value) > MAX_NAME_LENGTH:
        return f"{field} is longer than {MAX_NAME_LENGTH} characters"
    if not _NAME.fullmatch(value) or value in (".", ".."):
        return f"{field} {value!r} may contain only letters, digits, '_', '-' and '.'"
    return None


def _name(value: Any, info: ValidationInfo) -> str:
    if not isinstance(value, str):
        raise _refuse("must be a string", value)
    problem = name_problem(value, info.field_name or "name")
    if problem:
        raise PydanticCustomError(NAMED_ERROR, "{problem}", {"problem": problem})
    return value


# Lenient scalars: the JSON schema states the real type (and the field's bounds); a string
# holding such a value is accepted too.
LenientInt = Annotated[int, BeforeValidator(lenient_int)]
LenientFloat = Annotated[float, BeforeValidator(lenient_float)]
LenientBool = Annotated[bool, BeforeValidator(lenient_bool)]
# What the schema says of every free-text field: no NUL (refused, as are lone surrogates).
NO_NUL = r"^[^\x00]*$"
# Free text (an application, a checksum): no NUL, no lone surrogate, at most 1,024 characters.
# (The length is checked first by the validator, with its own message; `Field` states it in the schema.)
Text = Annotated[
    str, BeforeValidator(safe_text), Field(max_length=MAX_TEXT_LENGTH, json_schema_extra={"pattern": NO_NUL})
]
# A project's application: the same, at most 200 characters (what its metadata column holds).
ApplicationText = Annotated[
    str,
    BeforeValidator(_bounded_text(MAX_APPLICATION_LENGTH)),
    Field(max_length=MAX_APPLICATION_LENGTH, json_schema_extra={"pattern": NO_NUL}),
]
# The name of an attribute, a label or a column: the same, at most 255 characters.
AttributeName = Annotated[
    str,
    BeforeValidator(_attribute_name),
    Field(max_length=MAX_ATTRIBUTE_NAME_LENGTH, json_schema_extra={"pattern": NO_NUL}),
]
# Optional forms where "" means absent.
OptionalText = Annotated[
    str | None,
    BeforeValidator(lambda value: None if value == "" else safe_text(value)),
    WithJsonSchema({"anyOf": [{"type": "string", "maxLength": MAX_TEXT_LENGTH, "pattern": NO_NUL}, {"type": "null"}]}),
]
OptionalAttributeName = Annotated[
    str | None,
    BeforeValidator(lambda value: None if value == "" else _attribute_name(value)),
    WithJsonSchema(
        {"anyOf": [{"type": "string", "maxLength": MAX_ATTRIBUTE_NAME_LENGTH, "pattern": NO_NUL}, {"type": "null"}]}
    ),
]


def _name_list(value: Any) -> Any:
    """A list of column names may come as "a, b" (comma-separated); None or "" is none."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


NameList = Annotated[list[AttributeName], BeforeValidator(_name_list)]

# Project, collection and model names: 1-128 letters, digits, '_', '-', '.'.
Name = Annotated[
    str,
    BeforeValidator(_name),
    WithJsonSchema({"type": "string", "minLength": 1, "maxLength": MAX_NAME_LENGTH, "pattern": _NAME_SCHEMA}),
]


def choice(values: tuple[str, ...], message: str, aliases: dict[str, str] | None = None) -> Callable[[Any], str | None]:
    """A before-validator mapping any spelling of an enumeration value (any case, surrounding
    spaces, the documented `aliases`) to its documented spelling; `None` and `""` mean absent.

    `message` is formatted with `value` (its repr) for anything else. Use it as
    `Annotated[Literal[...] | None, BeforeValidator(choice(...))]` so OpenAPI lists the values.
    """
    lookup = {value.lower(): value for value in values}
    lookup.update({alias.lower(): value for alias, value in (aliases or {}).items()})

    def normalise(value: Any) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, str):
            found = lookup.get(value.strip().lower())
            if found is not None:
                return found
        raise PydanticCustomError("vecml_value", message, {"value": repr(value)})

    return normalise


FILE_FORMATS = ("csv", "json", "libsvm", "binary")
VECTOR_TYPES = ("dense", "dense8Bit", "dense4Bit", "dense2Bit", "dense1Bit", "sparse")

FileFormat = Annotated[
    Literal["csv", "json", "libsvm", "binary"] | None,
    BeforeValidator(
        choice(
            FILE_FORMATS,
            "unsupported value {value} (expected one of csv, json, libsvm, binary)",
            {"svm": "libsvm", "svmlight": "libsvm", "jsonl": "json", "ndjson": "json", "bin": "binary"},
        )
    ),
]
VectorTypeName = Literal["dense", "dense8Bit", "dense4Bit", "dense2Bit", "dense1Bit", "sparse"]
_vector_type = choice(VECTOR_TYPES, "unknown vector type {value} (expected one of " + ", ".join(VECTOR_TYPES) + ")")
VectorType = Annotated[VectorTypeName | None, BeforeValidator(_vector_type)]  # absent: the default type
RequiredVectorType = Annotated[VectorTypeName, BeforeValidator(_vector_type)]
BinaryDtype = Annotated[
    Literal["float32", "uint8", "int8"] | None,
    BeforeValidator(choice(("float32", "uint8", "int8"), "unsupported value {value} (expected float32 or uint8)")),
]
CompressionType = Annotated[
    Literal["gzip"] | None,
    BeforeValidator(choice(("gzip",), "unsupported value {value} (only 'gzip' is supported)")),
]
