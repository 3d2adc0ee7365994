"""File uploads against a real server process: a gzip bomb is refused early, memory stays
low and the server keeps serving; a gzipped CSV with a label file trains-ready end to end."""

from __future__ import annotations

import base64
import gzip
import threading
import zlib

import psutil
import pytest

from tests.support import ServerProcess, new_key, wait_for_job


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.mark.slow
def test_gzip_bomb_refused_with_bounded_memory(server: ServerProcess) -> None:
    key = new_key()
    assert server.post("create_project", {"user_api_key": key, "project_name": "P", "application": "x"})["success"]
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    member = compressor.compress(bytes(64 * 1024 * 1024)) + compressor.flush()
    body = {
        "user_api_key": key,
        "project_name": "P",
        "collection_name": "bomb",
        "X": b64(member * 128),
        "file_format": "csv",
        "has_field_names": True,
        "compression_type": "gzip",
    }
    process = psutil.Process(server.pid)
    idle = process.memory_info().rss
    peak = idle
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, process.memory_info().rss)
            done.wait(0.01)

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        answer = server.post("upload_automl_X", body)
    finally:
        done.set()
        sampler.join()
    assert answer["success"] is False
    assert answer["error_message"].startswith("X: the decompressed file is larger than the limit of")
    assert peak - idle < 1024**3
    again = server.post("get_collection_info", {"user_api_key": key, "project_name": "P", "collection_name": "bomb"})
    assert again["success"] is False and "does not exist" in again["error_message"]


def test_gzipped_csv_then_labels(server: ServerProcess) -> None:
    key = new_key()
    server.post("create_project", {"user_api_key": key, "project_name": "P", "application": "autoML"})
    csv = b"x1,x2,kind\r\n" + b"".join(b"%d,%d,%s\r\n" % (i, i * 2, b"ab"[i % 2 : i % 2 + 1]) for i in range(100))
    upload = server.post(
        "upload_automl_X",
        {
            "user_api_key": key,
            "project_name": "P",
            "collection_name": "c",
            "X": b64(gzip.compress(csv)),
            "file_format": "csv",
            "has_field_names": True,
            "vector_type": "dense",
            "compression_type": "gzip",
            "categorical_features": ["kind"],
        },
    )
    assert upload["success"], upload
    label = server.post(
        "attach_automl_label",
        {
            "user_api_key": key,
            "project_name": "P",
            "collection_name": "c",
            "file_data": b64(b"y\n" + b"".join(b"%d\n" % (i % 2) for i in range(100))),
            "attribute_name": "y",
            "file_format": "csv",
            "has_field_names": True,
        },
    )
    assert label["success"] and label["num_vectors_parsed"] == 100
    assert wait_for_job(server.post, key, label["job_id"], "get_automl_training_status")["status"] == "finished"
    assert wait_for_job(server.post, key, upload["job_id"])["status"] == "finished"
    info = server.post("get_collection_info", {"user_api_key": key, "project_name": "P", "collection_name": "c"})
    assert info["num_vectors"] == 100 and info["categorical_features"] == ["kind"]
    assert info["column_names"] == ["x1", "x2"] and "y" in info["attributes"]
    got = server.post(
        "get_data",
        {
            "user_api_key": key,
            "project_name": "P",
            "collection_name": "c",
            "string_ids": [f"{upload['string_id_prefix']}-7"],
        },
    )
    assert got["vectors"] == [[7.0, 14.0]] and got["attributes"] == [{"kind": "b", "y": "1"}]
