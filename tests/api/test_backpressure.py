"""Backpressure: a key with VECML_LOCAL_MAX_QUEUED_JOBS_PER_KEY unfinished jobs is told to slow down."""

from __future__ import annotations

from pathlib import Path

import pytest

from vecml_local.config import Settings
from vecml_local.errors import RateLimited
from vecml_local.schemas.collections import InitRequest
from vecml_local.schemas.data import AddDataBatchRequest
from vecml_local.schemas.projects import CreateProjectRequest
from vecml_local.services import Services, Tenant


def prepare(services: Services, tenant: Tenant) -> None:
    services.projects.create_project(tenant, CreateProjectRequest(project_name="P", application="x"))
    services.collections.init(
        tenant, InitRequest(project_name="P", collection_name="c", vector_type="dense", vector_dim=2)
    )


def batch() -> AddDataBatchRequest:
    return AddDataBatchRequest(project_name="P", collection_name="c", data=[[1, 2]] * 3)


def test_queued_jobs_per_key_are_limited_and_nothing_is_left_staged(tmp_path: Path) -> None:
    services = Services(Settings(data_dir=tmp_path, max_queued_jobs_per_key=3))  # not started: jobs stay queued
    busy, other = Tenant("a" * 64), Tenant("b" * 64)
    try:
        prepare(services, busy)
        prepare(services, other)
        for _ in range(3):
            services.data.add_data_batch(busy, batch())
        with pytest.raises(RateLimited) as refused:
            services.data.add_data_batch(busy, batch())
        assert refused.value.message == "Request limit reached, please try again later"
        services.data.add_data_batch(other, batch())  # per key: another key is not slowed down
        assert len(list(services.context.files.staging.iterdir())) == 4  # the refused batch left nothing
    finally:
        services.stop()

    restarted = Services(Settings(data_dir=tmp_path, max_queued_jobs_per_key=3))
    restarted.start()
    try:
        assert restarted.context.runner.wait_idle(60)
        restarted.data.add_data_batch(busy, batch())  # once the queue drained, the key may submit again
    finally:
        restarted.stop()


def test_zero_turns_the_limit_off(tmp_path: Path) -> None:
    services = Services(Settings(data_dir=tmp_path, max_queued_jobs_per_key=0))
    tenant = Tenant("c" * 64)
    try:
        prepare(services, tenant)
        for _ in range(5):
            services.data.add_data_batch(tenant, batch())
    finally:
        services.stop()
