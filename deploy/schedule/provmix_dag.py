"""Airflow DAG: every night, run provmix on Dataflow for the crawl of the run's logical date (``{{ ds }}``).

Needs ``apache-airflow-providers-apache-beam`` and ``apache-airflow-providers-google`` on the Airflow workers,
and provmix itself (``pip install provmix-0.1.0-py3-none-any.whl``) in the interpreter the operator starts.
``deploy/dataflow/main.py`` is copied once per release to ``MAIN``.

Idempotent by date: inputs are read from ``crawl/{{ ds }}/`` and outputs written to ``provmix/{{ ds }}/``, so a
date always maps to the same folders. ``skip_finished_date`` ends the run early when that output already holds
``manifest.json`` (a finished run), so clearing or backfilling a finished date does nothing unless the run is
triggered with ``{"overwrite": true}``. The pipeline itself always gets ``--overwrite``: past the gate, any output
that exists is a run to replace, and provmix only moves the new outputs into place after the job succeeded
(a failed or killed attempt leaves only ``.staging``, which the retry deletes).

``provmix_run`` accepts an empty mix and a floor shortfall (so neither retries a whole Dataflow job);
``provmix_finalize`` then finishes the bookkeeping if the launch returned early, and fails the DAG run with the
status a data problem deserves: 3 a mix is empty, 4 a floor fell short, 5 a floor with policy ``fail`` was not
met (``provmix --help`` lists them). It never retries: rerunning it gives the same answer.
"""
from __future__ import annotations

import datetime as dt

from airflow import DAG
from airflow.providers.apache.beam.operators.beam import BeamRunPythonPipelineOperator
from airflow.providers.google.cloud.operators.dataflow import DataflowConfiguration

try:
    from airflow.providers.standard.operators.bash import BashOperator  # Airflow 3
    from airflow.providers.standard.operators.python import ShortCircuitOperator
except ImportError:
    from airflow.operators.bash import BashOperator  # Airflow 2
    from airflow.operators.python import ShortCircuitOperator

PROJECT = "my-project"
REGION = "us-central1"
BUCKET = "gs://my-bucket"
IMAGE = f"{REGION}-docker.pkg.dev/{PROJECT}/provmix/provmix-worker:0.1.0"
MAIN = f"{BUCKET}/provmix/releases/0.1.0/main.py"
INPUT = BUCKET + "/crawl/{{ ds }}/*.warc.gz"
OUTPUT = BUCKET + "/provmix/{{ ds }}"


def needs_run(output: str, overwrite: bool) -> bool:
    """False (skip the pipeline) when ``output`` holds a finished run and no overwrite was asked for."""
    from apache_beam.io.filesystems import FileSystems

    return bool(overwrite) or not FileSystems.exists(FileSystems.join(output, "manifest.json"))


with DAG(
    dag_id="provmix_nightly",
    schedule="15 3 * * *",
    start_date=dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc),
    catchup=False,
    max_active_runs=1,
    params={"overwrite": False},
    render_template_as_native_obj=True,  # params.overwrite stays a bool, max_num_workers an int
    default_args={"retries": 2, "retry_delay": dt.timedelta(minutes=10)},
    tags=["provmix"],
) as dag:
    skip_finished_date = ShortCircuitOperator(
        task_id="skip_finished_date",
        python_callable=needs_run,
        op_kwargs={"output": OUTPUT, "overwrite": "{{ params.overwrite }}"},
    )
    provmix_run = BeamRunPythonPipelineOperator(
        task_id="provmix_run",
        runner="DataflowRunner",
        py_file=MAIN,
        py_interpreter="python3",
        pipeline_options={
            "input": INPUT,
            "output": OUTPUT,
            "overwrite": True,
            "allow_empty": True,
            "allow_shortfall": True,
            "temp_location": f"{BUCKET}/tmp",
            "sdk_container_image": IMAGE,
            "sdk_location": "container",
            "machine_type": "n2-standard-4",
            "max_num_workers": 50,
        },
        dataflow_config=DataflowConfiguration(
            job_name="provmix-{{ ds_nodash }}",
            project_id=PROJECT,
            location=REGION,
            wait_until_finished=True,
        ),
    )
    provmix_finalize = BashOperator(
        task_id="provmix_finalize",
        bash_command=f"provmix finalize {OUTPUT}",
        retries=0,
    )
    skip_finished_date >> provmix_run >> provmix_finalize
