#!/bin/sh
# Nightly (examhall-backup.timer): a compressed custom-format dump of the Examhall database, kept
# BACKUP_KEEP_DAYS days.  The dump holds every issued PDF, answer and account; the signing keys
# are NOT in it (docs/deploy.md "Signing keys" backs them up apart).
# Usage: examhall-backup.sh [DATABASE_URL]  (default: the one in /etc/examhall/examhall.env)
set -eu
BACKUP_DIR=${BACKUP_DIR:-/var/backups/examhall}
BACKUP_KEEP_DAYS=${BACKUP_KEEP_DAYS:-14}
url=${1:-$(sed -n 's/^DATABASE_URL=//p' /etc/examhall/examhall.env)}
url=$(printf '%s' "$url" | sed 's/^postgresql+psycopg:/postgresql:/')  # libpq's spelling
mkdir -p "$BACKUP_DIR"
umask 077
stamp=$(date -u +%Y%m%dT%H%M%SZ)
target="$BACKUP_DIR/examhall-$stamp.dump"
pg_dump --format=custom --compress=6 --no-owner --file="$target.part" "$url"
mv "$target.part" "$target"
pg_restore --list "$target" > /dev/null  # the archive reads back whole
find "$BACKUP_DIR" -name 'examhall-*.dump' -mtime +"$BACKUP_KEEP_DAYS" -delete
echo "$target"
