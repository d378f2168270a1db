#!/bin/sh
# Restore a dump made by examhall-backup.sh into DATABASE_URL's database, which must be empty
# (a new database: createdb -O examhall examhall).  Stop the servers and workers first
# (systemctl stop examhall.target); afterwards run `flask --app wsgi db upgrade` in case the dump
# predates the installed release, then start them again.
# Usage: examhall-restore.sh DUMP DATABASE_URL
set -eu
dump=$1
url=$(printf '%s' "$2" | sed 's/^postgresql+psycopg:/postgresql:/')
pg_restore --exit-on-error --no-owner --single-transaction --dbname="$url" "$dump"
psql --no-psqlrc --quiet --tuples-only --dbname="$url" --command \
  "select 'schema ' || version_num from alembic_version;
   select 'accounts ' || count(*) from \"user\";
   select 'sessions ' || count(*) from live_session;
   select 'answers ' || count(*) from answer;
   select 'documents ' || count(*) from issued_document;"
