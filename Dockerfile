# One image for every Odjek service: Airflow components, the collector workers and the search UI.
FROM python:3.11-slim-bookworm

ENV DEBIAN_FRONTEND=noninteractive PYTHONUNBUFFERED=1 UV_PROJECT_ENVIRONMENT=/opt/odjek/.venv \
    PATH=/opt/odjek/.venv/bin:$PATH AIRFLOW_HOME=/opt/airflow

RUN apt-get update \
 && apt-get install -y --no-install-recommends fonts-dejavu-core fonts-noto-core libpango-1.0-0 \
      libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 poppler-utils postgresql-client sqlite3 curl \
 && rm -rf /var/lib/apt/lists/* \
 && pip install --no-cache-dir uv==0.13.9 \
 && useradd --create-home --uid 50000 odjek

WORKDIR /opt/odjek
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY . .
RUN uv sync --frozen --no-dev && mkdir -p /opt/airflow /opt/odjek/var && chown -R odjek /opt/airflow /opt/odjek/var

USER odjek
EXPOSE 8000
CMD ["odjek", "serve"]
