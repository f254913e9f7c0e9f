#!/bin/sh
# written by the vr runner: Supervisor's command runs this for proc demo-1.0-prod-abcdef12-web-5000-abcdefgh
exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin lxc-execute -n 'demo-1.0-prod-abcdef12-web-5000-abcdefgh' -P '/apps/procs/p/lxc' -f '/apps/procs/p/proc.lxc'
