#!/usr/bin/env bash
# Starts this machine's PostgreSQL 15 cluster and creates the role and database named by the
# URL (postgres://user:password@127.0.0.1:5432/database), with CREATEDB so the test suite can
# make a database per test file. Safe to run again.
set -euo pipefail

url="${1:?usage: postgres-local.sh postgres://user:password@127.0.0.1:5432/database}"
user=$(python3 -c 'import sys,urllib.parse as u; print(u.unquote(u.urlparse(sys.argv[1]).username))' "$url")
password=$(python3 -c 'import sys,urllib.parse as u; print(u.unquote(u.urlparse(sys.argv[1]).password or ""))' "$url")
database=$(python3 -c 'import sys,urllib.parse as u; print(u.urlparse(sys.argv[1]).path.lstrip("/"))' "$url")

if ! command -v pg_ctlcluster >/dev/null; then
  echo "pg_ctlcluster not found: install PostgreSQL 15 (apt-get install postgresql-15)" >&2
  exit 1
fi
pg_ctlcluster 15 main start 2>/dev/null || pg_ctlcluster 15 main status >/dev/null
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
pg_isready -h 127.0.0.1 -p 5432

as_postgres() { su postgres -c "psql -v ON_ERROR_STOP=1 -qtA $*"; }
if [ "$(as_postgres "-c \"SELECT 1 FROM pg_roles WHERE rolname = '$user'\"")" != 1 ]; then
  as_postgres "-c \"CREATE ROLE \\\"$user\\\" LOGIN CREATEDB PASSWORD '$password'\""
else
  as_postgres "-c \"ALTER ROLE \\\"$user\\\" LOGIN CREATEDB PASSWORD '$password'\""
fi
if [ "$(as_postgres "-c \"SELECT 1 FROM pg_database WHERE datname = '$database'\"")" != 1 ]; then
  as_postgres "-c \"CREATE DATABASE \\\"$database\\\" OWNER \\\"$user\\\"\""
fi
echo "PostgreSQL ready: database $database, role $user"
