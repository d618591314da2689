"""Fixtures the DAG test modules share: the repo's DagBag and a fresh Airflow metadata database."""

import pytest

from tests.conftest import REPO_ROOT


@pytest.fixture(scope="module")
def dagbag():
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(REPO_ROOT / "dags"))


@pytest.fixture(scope="module")
def airflow_db():
    from airflow.utils import db

    db.resetdb()
    return True
