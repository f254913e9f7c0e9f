#!/bin/sh
# Serves the static site on $PORT (written by the vr static buildpack).
set -eu
cd "$(dirname "$0")/.."
docroot="@DOCROOT@"
: "${PORT:?PORT must be set}"
if command -v busybox >/dev/null 2>&1; then
  exec busybox httpd -f -p "$PORT" -h "$docroot"
fi
exec python3 -m http.server "$PORT" --directory "$docroot"
