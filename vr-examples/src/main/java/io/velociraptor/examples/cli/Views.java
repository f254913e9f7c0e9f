package io.velociraptor.examples.cli;

import io.velociraptor.core.model.FleetSnapshot;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.ObservedProc;
import io.velociraptor.core.model.PortLock;
import io.velociraptor.core.model.ProcName;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.SwarmRun;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/** The tables {@code vr procs}, {@code vr ports} and {@code vr runs} print, and their JSON rows. */
public final class Views {
  private Views() {}

  /** One proc row: every proc on every host, ours, legacy and foreign. */
  public static List<Map<String, Object>> procRows(FleetSnapshot snap, Optional<String> host, Optional<String> swarmId,
      Instant now) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (HostSnapshot h : snap.hosts()) {
      if (host.isPresent() && !h.host().name().value().equals(host.get())) {
        continue;
      }
      for (ObservedProc p : h.procs()) {
        String swarm = p.name() instanceof ProcName.Ours o ? o.swarmId().value() : "";
        if (swarmId.isPresent() && !swarm.equals(swarmId.get())) {
          continue;
        }
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("host", h.host().name().value());
        r.put("name", p.name().format());
        r.put("kind", p.name().kind().name().toLowerCase(java.util.Locale.ROOT));
        r.put("state", p.state().name());
        r.put("port", p.port().map(x -> (Object) x.value()).orElse(""));
        r.put("swarm_id", swarm);
        r.put("uptime_seconds", p.startedAt().filter(t -> p.state().name().equals("RUNNING"))
            .map(t -> (Object) Math.max(0, Duration.between(t, now).toSeconds())).orElse(""));
        rows.add(r);
      }
    }
    return rows;
  }

  /**
   * The JSON of {@code vr procs}: every host asked about with its reachability (an unreachable
   * host's procs are unknown, not none), then the proc rows.
   */
  public static Map<String, Object> procsJson(FleetSnapshot snap, Optional<String> host, List<Map<String, Object>> rows) {
    List<Map<String, Object>> hosts = new ArrayList<>();
    for (HostSnapshot h : snap.hosts()) {
      if (host.isPresent() && !h.host().name().value().equals(host.get())) {
        continue;
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("host", h.host().name().value());
      m.put("reachable", h.reachable());
      m.put("unreachable_reason", h.reachable() ? null : h.unreachableReason().orElse(""));
      hosts.add(m);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("hosts", hosts);
    out.put("procs", rows);
    return out;
  }

  static String procTable(FleetSnapshot snap, List<Map<String, Object>> rows) {
    return procTable(snap, Optional.empty(), rows);
  }

  /** The text of {@code vr procs}: the hosts asked about that are unreachable, then the proc rows. */
  static String procTable(FleetSnapshot snap, Optional<String> host, List<Map<String, Object>> rows) {
    return procTable(procsJson(snap, host, rows));
  }

  /**
   * The text of {@code vr procs} from its JSON ({@link #procsJson}, or a server's answer): the
   * unreachable hosts, then the proc rows.
   */
  @SuppressWarnings("unchecked")
  static String procTable(Map<String, Object> procs) {
    StringBuilder out = new StringBuilder();
    for (Map<String, Object> h : (List<Map<String, Object>>) procs.get("hosts")) {
      if (!Boolean.TRUE.equals(h.get("reachable"))) {
        out.append("host ").append(h.get("host")).append(" is UNREACHABLE: ")
            .append(s(h.get("unreachable_reason"))).append(" (its procs are unknown)\n");
      }
    }
    List<Map<String, Object>> rows = (List<Map<String, Object>>) procs.get("procs");
    out.append(table(List.of("HOST", "PROC", "KIND", "STATE", "PORT", "UPTIME"), rows.stream()
        .map(r -> List.of(s(r.get("host")), s(r.get("name")), s(r.get("kind")), s(r.get("state")), s(r.get("port")),
            uptime(r.get("uptime_seconds")))).toList()));
    return out.toString();
  }

  /** Port accounting rows: every used or locked port of every host, then the free count. */
  static List<Map<String, Object>> portRows(FleetSnapshot snap, Optional<String> host) {
    return portRows(snap, host, owner -> Optional.empty());
  }

  /**
   * Port accounting rows: every used or locked port of every host, then one row per host with its
   * free count, or, for an unreachable host, {@code free} null and why it is unreachable.
   *
   * @param staleness why a lock's owner no longer holds it (finished, or its process is gone), if so
   */
  public static List<Map<String, Object>> portRows(FleetSnapshot snap, Optional<String> host,
      java.util.function.Function<String, Optional<String>> staleness) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (HostSnapshot h : snap.hosts()) {
      String hn = h.host().name().value();
      if (host.isPresent() && !hn.equals(host.get())) {
        continue;
      }
      Map<Integer, Map<String, Object>> byPort = new TreeMap<>();
      for (ObservedProc p : h.procs()) {
        p.port().ifPresent(port -> {
          Map<String, Object> r = byPort.computeIfAbsent(port.value(), k -> row(hn, k));
          r.put("used_by", p.name().format());
          r.put("state", p.state().name());
        });
      }
      for (PortLock l : snap.portLocks()) {
        if (l.host().equals(h.host().name())) {
          Map<String, Object> r = byPort.computeIfAbsent(l.port().value(), k -> row(hn, k));
          r.put("locked_by", l.owner());
          r.put("lock_stale", staleness.apply(l.owner()).orElse(""));
        }
      }
      var range = h.host().portRange();
      long taken = byPort.keySet().stream().filter(p -> range.contains(p)).count();
      rows.addAll(byPort.values());
      Map<String, Object> free = new LinkedHashMap<>();
      free.put("host", hn);
      free.put("range", range.start() + "-" + range.endExclusive());
      // an unreachable host's used ports are unknown, so is its free count
      free.put("free", h.reachable() ? range.size() - taken : null);
      free.put("reachable", h.reachable());
      if (!h.reachable()) {
        free.put("unreachable_reason", h.unreachableReason().orElse(""));
      }
      rows.add(free);
    }
    return rows;
  }

  private static Map<String, Object> row(String host, int port) {
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("host", host);
    r.put("port", port);
    r.put("used_by", "");
    r.put("state", "");
    r.put("locked_by", "");
    r.put("lock_stale", "");
    return r;
  }

  static String portTable(List<Map<String, Object>> rows) {
    List<List<String>> used = new ArrayList<>();
    StringBuilder free = new StringBuilder();
    for (Map<String, Object> r : rows) {
      if (r.containsKey("free")) {
        if (Boolean.TRUE.equals(r.get("reachable"))) {
          free.append("host ").append(r.get("host")).append(": ").append(r.get("free")).append(" of range ")
              .append(r.get("range")).append(" free\n");
        } else {
          free.append("host ").append(r.get("host")).append(" is UNREACHABLE: ").append(r.get("unreachable_reason"))
              .append(" (its used and free ports of range ").append(r.get("range")).append(" are unknown)\n");
        }
      } else {
        String lock = s(r.get("locked_by")) + (s(r.get("lock_stale")).isEmpty() ? "" : " (stale: owner gone)");
        used.add(List.of(s(r.get("host")), s(r.get("port")), s(r.get("used_by")), s(r.get("state")), lock));
      }
    }
    return table(List.of("HOST", "PORT", "USED BY", "STATE", "LOCKED BY RUN"), used) + free;
  }

  /**
   * @param owner the run that holds a port lock, if the store has it
   * @return why that run no longer holds it (finished, or its owner process is gone), as a dispatch would reclaim it
   */
  public static Optional<String> lockStaleness(Optional<SwarmRun> owner) {
    if (owner.isEmpty()) {
      return Optional.empty();
    }
    SwarmRun r = owner.get();
    if (r.state().isTerminal()) {
      return Optional.of("run " + r.id() + " is " + r.state().name().toLowerCase(java.util.Locale.ROOT));
    }
    return io.velociraptor.core.store.RunOwners.goneReason(r.owner());
  }

  /**
   * The progress line of an event, the same in {@code vr dispatch} and {@code vr events}; empty for
   * a state change that the next event says better (build_started after "building", run_done and
   * run_failed after "done", "failed" and "reverted", run_paused after "canary"), so each is said once.
   */
  static Optional<String> progress(io.velociraptor.core.deploy.DispatchEvent e) {
    if (e instanceof io.velociraptor.core.deploy.DispatchEvent.StateChanged sc && (sc.state() == RunState.DONE
        || sc.state() == RunState.FAILED || sc.state() == RunState.BUILDING || sc.state() == RunState.CANARY
        || sc.state() == RunState.REVERTED)) {
      return Optional.empty();
    }
    return Optional.of(e.describe());
  }

  /** @return the rows of {@code vr runs --json} */
  public static List<Map<String, Object>> runRows(List<SwarmRun> runs) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (SwarmRun r : runs) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("id", r.id());
      m.put("swarm_id", r.swarmId().value());
      m.put("state", r.state().name().toLowerCase(java.util.Locale.ROOT));
      // the liveness rule a dispatch reclaims by: a live run whose owner died is stale until then
      // a paused run waits for an operator: its owner has usually exited, and that is no staleness
      m.put("stale", r.state().isTerminal() || r.state().isPaused() ? ""
          : io.velociraptor.core.store.RunOwners.goneReason(r.owner()).orElse(""));
      m.put("created_at", r.createdAt().toString());
      m.put("finished_at", r.finishedAt().map(Instant::toString).orElse(""));
      m.put("failure_reason", r.failureReason().orElse(""));
      rows.add(m);
    }
    return rows;
  }

  static String runTable(List<Map<String, Object>> rows) {
    return table(List.of("RUN", "STATE", "CREATED", "FINISHED", "FAILURE"), rows.stream()
        .map(r -> List.of(s(r.get("id")), s(r.get("state")) + (s(r.get("stale")).isEmpty() ? "" : " (stale: owner gone)"), s(r.get("created_at")), s(r.get("finished_at")),
            s(r.get("failure_reason")))).toList());
  }

  /** {@code vr run show}: state, failure, the steps table, each multi-line step detail in full, then the history. */
  static String runShow(SwarmRun r) {
    StringBuilder b = new StringBuilder();
    b.append("run ").append(r.id()).append(" of swarm ").append(r.swarmId()).append(": ")
        .append(r.state().name().toLowerCase(java.util.Locale.ROOT)).append('\n');
    r.failureReason().ifPresent(x -> b.append("failure: ").append(x).append('\n'));
    b.append("created ").append(r.createdAt()).append(r.finishedAt().map(t -> ", finished " + t).orElse(""))
        .append('\n');
    List<List<String>> steps = new ArrayList<>();
    for (io.velociraptor.core.model.RunStep s : r.steps()) {
      steps.add(List.of(s.name(), s.host().map(Object::toString).orElse(""), s.target().orElse(""),
          s.outcome().name().toLowerCase(java.util.Locale.ROOT), s.detail().orElse("")));
    }
    b.append(table(List.of("STEP", "HOST", "TARGET", "OUTCOME", "DETAIL"), steps));
    for (io.velociraptor.core.model.RunStep s : r.steps()) {
      // the table shows a detail's first line: one of several lines (an uptest's tests) is shown whole here
      if (s.detail().filter(d -> d.strip().contains("\n")).isPresent()) {
        b.append('\n').append(s.name()).append(s.host().map(h -> " on " + h).orElse(""))
            .append(s.target().map(t -> " " + t).orElse("")).append(":\n");
        s.detail().get().strip().lines().forEach(l -> b.append("  ").append(l).append('\n'));
      }
    }
    if (r.steps().stream().anyMatch(s -> s.detail().filter(d -> d.strip().contains("\n")).isPresent())) {
      b.append('\n');
    }
    for (SwarmRun.Transition t : r.history()) {
      b.append(t.at()).append("  ").append(t.state().name().toLowerCase(java.util.Locale.ROOT)).append("  ")
          .append(t.message()).append('\n');
    }
    return b.toString();
  }

  /** A table row is one line: a multi-line text shows its first line and " …" (`vr run show` has it all). */
  static String firstLine(String text) {
    String t = text.strip();
    int nl = t.indexOf('\n');
    return nl < 0 ? t : t.substring(0, nl).stripTrailing() + " \u2026";
  }

  /** @return the rows as aligned columns; a cell of several lines shows its first (see {@link #firstLine}) */
  static String table(List<String> header, List<List<String>> cells) {
    List<List<String>> rows = cells.stream().map(r -> r.stream().map(Views::firstLine).toList()).toList();
    int[] w = new int[header.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = header.get(i).length();
      for (List<String> r : rows) {
        w[i] = Math.max(w[i], r.get(i).length());
      }
    }
    StringBuilder out = new StringBuilder();
    List<List<String>> all = new ArrayList<>();
    all.add(header);
    all.addAll(rows);
    for (List<String> r : all) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < w.length; i++) {
        line.append(i == w.length - 1 ? r.get(i) : String.format("%-" + w[i] + "s  ", r.get(i)));
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    if (rows.isEmpty()) {
      out.append("(none)\n");
    }
    return out.toString();
  }

  /** @return the rows of {@code vr releases --json}, newest first */
  public static List<Map<String, Object>> releaseRows(io.velociraptor.core.deploy.ReleaseHistory history) {
    List<Map<String, Object>> rows = new ArrayList<>();
    for (io.velociraptor.core.deploy.ReleaseRecord r : history.records()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("release", r.release().value());
      m.put("app", r.app().value());
      m.put("version", r.version().value());
      m.put("config_name", r.config().value());
      m.put("config_digest", r.configDigest().orElse(""));
      m.put("build_hash", r.buildHash().orElse(""));
      m.put("run_id", r.runId());
      m.put("dispatched_at", r.dispatchedAt().toString());
      m.put("finished_at", r.finishedAt().map(Instant::toString).orElse(""));
      m.put("state", r.state().wire());
      m.put("succeeded", r.succeeded());
      m.put("current", r.current());
      rows.add(m);
    }
    return rows;
  }

  private static String s(Object o) {
    return o == null ? "" : String.valueOf(o);
  }

  private static String uptime(Object seconds) {
    if (!(seconds instanceof Number n)) {
      return "";
    }
    long t = n.longValue();
    return t >= 3600 ? (t / 3600) + "h" + (t % 3600 / 60) + "m" : t >= 60 ? (t / 60) + "m" + (t % 60) + "s" : t + "s";
  }
}
