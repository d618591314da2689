-- The Airflow metadata database beside the archive (same server, separate database).
CREATE DATABASE airflow OWNER odjek;
