"""Parses program files exactly as supervisord 4.2 does and prints what it understood.

Reads JSON lines {"conf": text} on stdin; for each, writes the text as an included file next to a
minimal supervisord.conf, runs supervisor's own ServerOptions.read_config on it (the include glob,
%(here)s rewriting, %-expansion, shlex splitting, datatypes) and prints one JSON line: the raw
sections and keys RawConfigParser saw, and each program's parsed values, or {"error": ...}.
"""
import json
import os
import shlex
import sys
import tempfile

from supervisor.datatypes import RestartUnconditionally, RestartWhenExitUnexpected
from supervisor.options import ServerOptions, UnhosedConfigParser


def main():
    base = tempfile.mkdtemp(prefix="vr-parse-")
    inc = os.path.join(base, "conf.d")
    os.mkdir(inc)
    main_conf = os.path.join(base, "supervisord.conf")
    with open(main_conf, "w", encoding="utf-8") as f:
        f.write("[supervisord]\nlogfile=%s/s.log\npidfile=%s/s.pid\n[include]\nfiles=conf.d/*.conf\n" % (base, base))
    path = os.path.join(inc, "program.conf")
    for line in sys.stdin:
        req = json.loads(line)
        with open(path, "w", encoding="utf-8") as f:
            f.write(req["conf"])
        out = {}
        try:
            raw = UnhosedConfigParser()
            raw.read(path)
            out["sections"] = {s: sorted(raw.options(s)) for s in raw.sections()}
            opts = ServerOptions()
            section = opts.read_config(main_conf)
            programs = []
            for group in section.process_group_configs:
                for p in group.process_configs:
                    if p.autorestart is RestartUnconditionally:
                        restart = "ALWAYS"
                    elif p.autorestart is RestartWhenExitUnexpected:
                        restart = "UNEXPECTED"
                    else:
                        restart = "NEVER"
                    programs.append({
                        "group": group.name,
                        "name": p.name,
                        "argv": shlex.split(p.command),
                        "directory": p.directory,
                        "uid": p.uid,
                        "environment": p.environment,
                        "autostart": p.autostart,
                        "autorestart": restart,
                        "exitcodes": sorted(p.exitcodes),
                        "startsecs": p.startsecs,
                        "startretries": p.startretries,
                        "stopsignal": p.stopsignal,
                        "stopwaitsecs": p.stopwaitsecs,
                        "stopasgroup": p.stopasgroup,
                        "killasgroup": p.killasgroup,
                        "redirect_stderr": p.redirect_stderr,
                        "stdout_logfile": p.stdout_logfile if isinstance(p.stdout_logfile, str) else "AUTO",
                        "stdout_logfile_maxbytes": p.stdout_logfile_maxbytes,
                        "stdout_logfile_backups": p.stdout_logfile_backups,
                    })
            out["programs"] = programs
        except Exception as e:  # report, never crash: the Java side decides
            out["error"] = "%s: %s" % (type(e).__name__, e)
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


main()
