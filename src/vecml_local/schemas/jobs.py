"""Job status: `get_upload_data_status`, `get_automl_training_status`, `get_clustering_training_status`.

All three take `JobRequest` and answer any job id of the caller's key with the fields of
that job's kind (DESIGN §4); each endpoint's model documents the fields of its own kind.
Every status carries the extension fields `progress`, `progress_message` and `eta_seconds`.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .common import JobRequest, JobStatus, VecmlResponse

__all__ = [
    "JobRequest",
    "JobStatusResponse",
    "UploadDataStatusResponse",
    "AutomlTrainingStatusResponse",
    "ClusteringTrainingStatusResponse",
]


class JobStatusResponse(VecmlResponse):
    """The fields of every job's status."""

    status: JobStatus = Field(description='"pending", "in_progress", "finished" or "failed".')
    start_time: str | None = Field(None, description="When the job started, YYYY/MM/DD HH:MM:SS.")
    duration: str | None = Field(None, description="How long the job has run, HH:MM:SS.")
    progress: float | None = Field(None, description="Extension: the share of the work done, 0 to 1.")
    progress_message: str | None = Field(None, description="Extension: what the job is doing now.")
    eta_seconds: float | None = Field(None, description="Extension: the estimated seconds left, when known.")
    warnings: list[str] | None = Field(None, description="Extension: input that was partly ignored or guessed.")


class UploadDataStatusResponse(JobStatusResponse):
    """An upload, `add_data_batch` or label job; a finished one adds its counts
    (`num_vectors`, `vector_dim`, `string_id_prefix`, `num_vectors_labelled`, ...)."""

    job_id: str = Field(description="The job asked about.")
    error_message: str = Field(description='"none", or why the job failed.')


class AutomlTrainingStatusResponse(JobStatusResponse):
    """An AutoML training job; `validation_metric` once finished, `error` once failed."""

    task_type: str | None = Field(None, description='"classification" or "regression".')
    model_name: str | None = Field(None, description="The model being trained.")
    label_attribute: str | None = Field(None, description="The attribute holding the target.")
    validation_metric: Any = Field(
        None,
        description="Finished only: the validation scores (classification: accuracy, precision, recall, "
        "F1 and AUC; regression: mse and mae).",
    )
    error: str | None = Field(None, description="Failed only: why the training failed.")


class ClusteringTrainingStatusResponse(JobStatusResponse):
    """A clustering training job."""

    job_id: str | None = Field(None, description="The job asked about.")
    model_name: str | None = Field(None, description="The clustering model being trained.")
    model_type: str | None = Field(None, description='"kmeans", "dbscan" or "hdbscan".')
    kmeans_method: str | None = Field(None, description='K-means only: "kmeans" or "kmeans_hamerly".')
    error_code: str | None = Field(None, description='"Success", or "Unknown" for a failed job.')
    params: dict[str, Any] | None = Field(None, description="The training parameters, as strings.")
    end_time: str | None = Field(None, description="When the job ended (or the time now while it runs).")
    error_message: str | None = Field(None, description="Failed only: why the training failed.")
