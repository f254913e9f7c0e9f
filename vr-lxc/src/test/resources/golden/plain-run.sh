#!/bin/sh
# written by the vr runner: Supervisor's command runs this for proc demo-web (plain runtime: no isolation)
if [ $# -eq 0 ]; then set -- run; fi
if [ -z "$VR_PRIVATE_MOUNTS" ]; then
  VR_PRIVATE_MOUNTS=1 exec unshare --mount --propagation private -- /bin/sh "$0" "$@"
fi
mount --bind '/srv/data' '/srv/data' && mount -o remount,bind,ro '/srv/data' '/srv/data' || exit 111
echo $$ > '/sys/fs/cgroup/memory/vr.demo-web/cgroup.procs' || exit 111
if [ "$1" = shell ]; then exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin setpriv --reuid=65534 --regid=65534 --clear-groups -- /bin/sh '/apps/procs/p/vr/start.sh' exec /bin/sh; fi
child= stop=
stop_child() {
  while ! kill -0 -$child 2>/dev/null && kill -TERM $child 2>/dev/null; do sleep 0.01; done
  kill -TERM -$child 2>/dev/null
}
trap 'stop=1; [ -z "$child" ] || stop_child' TERM INT HUP
setsid -w env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin setpriv --reuid=65534 --regid=65534 --clear-groups -- /bin/sh '/apps/procs/p/vr/start.sh' "$@" &
child=$!
[ -z "$stop" ] || stop_child
status=0
wait $child || status=$?
while kill -0 $child 2>/dev/null; do wait $child; status=$?; done
alive() { pgrep -g $child -r R,S,D,T,t,W,P,I >/dev/null 2>&1; }
if alive; then
  kill -TERM -$child 2>/dev/null
  deadline=$(($(date +%s) + 8))
  while alive; do
    if [ "$(date +%s)" -ge $deadline ]; then kill -KILL -$child 2>/dev/null; fi
    sleep 0.05
  done
fi
exit $status
