"""The lenient request types: what clients send is accepted, what no endpoint can use is refused."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field, ValidationError

from vecml_local.schemas.types import FileFormat, LenientBool, LenientFloat, LenientInt, Name, Text, VectorType


class Options(BaseModel):
    count: LenientInt = Field(1, ge=1)
    rate: LenientFloat = 0.5
    flag: LenientBool | None = None
    name: Name = "x"
    text: Text = ""
    file_format: FileFormat = None
    vector_type: VectorType = None


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"count": "5"}, {"count": 5}),
        ({"count": " 12 "}, {"count": 12}),
        ({"count": "1e3"}, {"count": 1000}),
        ({"count": 7.0}, {"count": 7}),
        ({"rate": "1e-4"}, {"rate": 1e-4}),
        ({"rate": 3}, {"rate": 3.0}),
        ({"flag": "true"}, {"flag": True}),
        ({"flag": "False"}, {"flag": False}),
        ({"flag": 1}, {"flag": True}),
        ({"flag": "no"}, {"flag": False}),
        ({"file_format": "SVMlight"}, {"file_format": "libsvm"}),
        ({"file_format": ""}, {"file_format": None}),
        ({"vector_type": "DENSE8BIT"}, {"vector_type": "dense8Bit"}),
    ],
)
def test_accepted(given: dict, expected: dict) -> None:  # type: ignore[type-arg]
    options = Options.model_validate(given)
    assert {key: getattr(options, key) for key in expected} == expected


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"count": "abc"}, "must be an integer; got 'abc'"),
        ({"count": 2.5}, "must be an integer; got 2.5"),
        ({"count": True}, "must be an integer; got True"),
        ({"count": 2**64}, "is out of range (beyond ±9,007,199,254,740,991, the integers JSON carries exactly)"),
        ({"count": "nan"}, "must be a finite integer"),
        ({"count": 0}, "greater than or equal to 1"),
        ({"rate": float("inf")}, "must be a finite number"),
        ({"rate": "1e400"}, "must be a finite number"),
        ({"rate": 10**400}, "must be a finite number"),
        ({"rate": "fast"}, "must be a number; got 'fast'"),
        ({"flag": "maybe"}, "must be true or false; got 'maybe'"),
        ({"text": "a\x00b"}, "must not contain a NUL character"),
        ({"text": "\ud800"}, "lone surrogate"),
        ({"name": "a b"}, "name 'a b' may contain only letters"),
        ({"name": "\ud800"}, "may contain only letters"),
        ({"name": 5}, "must be a string; got 5"),
        ({"file_format": "xlsx"}, "unsupported value 'xlsx' (expected one of csv, json, libsvm, binary)"),
        ({"vector_type": "fancy"}, "unknown vector type 'fancy'"),
    ],
)
def test_refused_with_the_reason(given: dict, message: str) -> None:  # type: ignore[type-arg]
    with pytest.raises(ValidationError) as caught:
        Options.model_validate(given)
    (error,) = caught.value.errors()
    assert error["loc"] == (next(iter(given)),) and message in error["msg"]


def test_json_schema_states_the_real_types() -> None:
    properties = Options.model_json_schema()["properties"]
    assert properties["count"]["type"] == "integer" and properties["count"]["minimum"] == 1
    assert properties["rate"]["type"] == "number"
    assert {"type": "boolean"} in properties["flag"]["anyOf"]
    assert properties["file_format"]["anyOf"][0]["enum"] == ["csv", "json", "libsvm", "binary"]


def _request_models() -> list[type[BaseModel]]:
    import importlib
    import pkgutil

    import vecml_local.schemas as package

    found: dict[str, type[BaseModel]] = {}
    for info in pkgutil.iter_modules(package.__path__):
        module = importlib.import_module(f"vecml_local.schemas.{info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, BaseModel) and value.__name__.endswith("Request"):
                found[f"{value.__module__}.{value.__name__}"] = value
    return list(found.values())


def test_every_example_request_is_valid() -> None:
    checked = 0
    for model in _request_models():
        for example in model.model_json_schema().get("examples", []):
            model.model_validate(example)
            checked += 1
    assert checked >= 15


def test_list_jobs_kinds_are_the_job_kinds() -> None:
    from vecml_local.schemas.job_listing import JOB_KINDS
    from vecml_local.services import AUTOML_KIND, CLUSTERING_KIND, LABEL_KIND, UPLOAD_KIND

    assert set(JOB_KINDS) == {UPLOAD_KIND, LABEL_KIND, AUTOML_KIND, CLUSTERING_KIND}
