# One image for every Odjek service: Airflow components, the collector workers and the search UI.
FROM python:3.11-slim-bookworm

ENV DEBIAN_FRONTEND=noninteractive PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/odjek/.venv \
    PATH=/opt/odjek/.venv/bin:$PATH AIRFLOW_HOME=/opt/airflow

RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core fonts-noto-core libpango-1.0-0 \
      libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 poppler-utils postgresql-client sqlite3 curl \
 && rm -rf /var/lib/apt/lists/* \
 && pip install --no-cache-dir uv==0.13.9 \
 && useradd --create-home --uid 50000 airflow

WORKDIR /opt/odjek
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --extra airflow --no-install-project
COPY . .
# The log folder exists in the image and belongs to the user Airflow runs as: a fresh named volume mounted
# on /opt/airflow/logs copies this ownership, so task logs can be written from the first run.
RUN uv sync --frozen --no-dev --extra airflow \
 && mkdir -p /opt/airflow/logs /opt/odjek/var \
 && chown -R airflow:airflow /opt/airflow /opt/odjek/var

USER airflow
EXPOSE 8000
# Refuses to start with missing or placeholder secrets, then runs the command (compose's `command:`).
ENTRYPOINT ["python", "/opt/odjek/deploy/check_env.py"]
CMD ["odjek", "serve"]
