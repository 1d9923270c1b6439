#!/bin/sh
# Creates Temporal's two databases and brings their schemas up to the admin-tools version.
# Safe to run on every start: create leaves an existing database alone, setup-schema skips a
# database that is already versioned, and update-schema applies only the missing versions,
# which is how a server upgrade gets its schema changes.
set -eu

schema_root=/etc/temporal/schema/postgresql/v12

prepare() {
  temporal-sql-tool --db "$1" create
  temporal-sql-tool --db "$1" setup-schema -v 0.0
  temporal-sql-tool --db "$1" update-schema -d "$schema_root/$2/versioned"
}

prepare temporal temporal
prepare temporal_visibility visibility
