#!/bin/sh
# Runs once, when the postgresql volume is first initialised. Temporal and Vigil get separate
# roles: Temporal's may create databases because its schema tool creates `temporal` and
# `temporal_visibility` itself; Vigil's owns only the `vigil` database.
set -eu

psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v temporal_user="$TEMPORAL_DB_USER" -v temporal_password="$TEMPORAL_DB_PASSWORD" \
  -v vigil_user="$VIGIL_DB_USER" -v vigil_password="$VIGIL_DB_PASSWORD" <<'SQL'
CREATE ROLE :"temporal_user" LOGIN CREATEDB PASSWORD :'temporal_password';
CREATE ROLE :"vigil_user" LOGIN PASSWORD :'vigil_password';
CREATE DATABASE vigil OWNER :"vigil_user";
REVOKE ALL ON DATABASE vigil FROM PUBLIC;
SQL
