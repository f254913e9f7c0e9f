#!/bin/sh
# written by the vr runner: the proc's environment, then its command
export PATH="${PATH:-/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin}"
export TMPDIR=/tmp
export HOME='/app'
cd "$HOME" || exit 111
if [ -d "$HOME/.profile.d" ]; then
  for f in "$HOME"/.profile.d/*; do
    if [ -r "$f" ]; then . "$f"; fi
  done
fi
. '/vr/env.sh'
export APP_SETTINGS_YAML='/vr/settings.yaml'
export PORT=5000
case "$1" in
  run) exec /bin/sh -c 'gunicorn app:wsgi --bind 0.0.0.0:$PORT --name '\''it'\'''\''s'\''' ;;
  exec) shift; exec "$@" ;;
  *) echo "start.sh: unknown mode '$1' (expected run or exec)" >&2; exit 2 ;;
esac
