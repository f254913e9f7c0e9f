package io.velociraptor.examples.cli;

import io.velociraptor.core.deploy.GcReport;
import io.velociraptor.core.deploy.ReleaseHistory;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.Swarm;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vr releases}, {@code vr rollback} and {@code vr gc}: a swarm's releases, going back to one, and collecting old builds. */
final class ReleaseCommands {
  private ReleaseCommands() {}

  @Command(name = "releases", mixinStandardHelpOptions = true,
      description = {"List the releases a swarm has run, newest first: one line per run that rolled one out.",
          "* marks the current release (the newest that succeeded); CONFIG is a digest of its settings, env,"
              + " volumes, user and limits, never their values."})
  static final class Releases extends Commands.FleetCommand {
    @Parameters(paramLabel = "SWARM", description = "the swarm's name (app-config-proc) or id")
    String name;

    @Override
    int run(VrConfig config, Fleet fleet) {
      Swarm s = swarmByNameOrId(fleet, name);
      return show(s.name(), rows(fleet.dispatcher().releases(s.id())));
    }

    @Override
    int remote(ServerClient api) {
      List<Map<String, Object>> rows = api.get("/api/swarms/" + ServerClient.seg(name) + "/releases", Api.ROWS);
      // the swarm's name (NAME may be its id) only for the text that says it has none
      return show(rows.isEmpty() && !json() ? api.get("/api/swarms/" + ServerClient.seg(name), Api.SWARM).name() : name,
          rows);
    }

    private int show(String swarmName, List<Map<String, Object>> rows) {
      return show(rows, () -> {
        if (rows.isEmpty()) {
          return "swarm " + swarmName + " has no recorded releases yet";
        }
        List<List<String>> cells = new ArrayList<>();
        for (Map<String, Object> r : rows) {
          String digest = String.valueOf(r.get("config_digest"));
          cells.add(List.of(Boolean.TRUE.equals(r.get("current")) ? "*" : "", String.valueOf(r.get("release")),
              String.valueOf(r.get("version")), String.valueOf(r.get("config_name")),
              digest.isEmpty() ? "(collected)" : digest,
              Instant.parse(String.valueOf(r.get("dispatched_at"))).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
                  .toString(), String.valueOf(r.get("run_id")), String.valueOf(r.get("state"))));
        }
        return Views.table(List.of("", "RELEASE", "VERSION", "CONFIG NAME", "CONFIG", "DISPATCHED", "RUN", "STATE"), cells);
      });
    }

    static List<Map<String, Object>> rows(ReleaseHistory history) {
      return Views.releaseRows(history);
    }
  }

  @Command(name = "rollback", mixinStandardHelpOptions = true,
      description = {"Dispatch an earlier successful release of a swarm again, on its own build (never rebuilding).",
          "Code and config (version, ingredients, settings, env, volumes, user, limits) go back; size, squad,"
              + " pool and update policy stay as they are now.",
          "Exit 0: done; 1: the run failed; 3: refused (no earlier release, or its build was collected)."})
  static final class Rollback extends Commands.Dispatching {
    @Parameters(paramLabel = "SWARM", description = "the swarm's name (app-config-proc) or id")
    String name;

    @Option(names = "--to", paramLabel = "RELEASE|RUN",
        description = "a release hash or run id from `vr releases` (default: the previous successful release)")
    String to;

    @Override
    int run(VrConfig config, Fleet fleet) throws IOException {
      Swarm s = swarmByNameOrId(fleet, name);
      follow(config, fleet);
      var result = fleet.dispatcher().rollback(s.id(), Optional.ofNullable(to));
      return summarize(List.of(Commands.Dispatching.Outcome.of(result)));
    }

    @Override
    int remote(ServerClient api) throws Exception {
      return dispatchRemote(api, name, "rollback", to == null ? null : Map.of("to", to));
    }

    @Override
    void beforeSummary(io.velociraptor.core.model.SwarmRun run) {
      if (!json()) {
        // what it went back to, as the run's history says it
        run.history().stream().map(t -> t.message()).filter(m -> m.startsWith("rollback to "))
            .findFirst().ifPresent(this::print);
      }
    }
  }

  @Command(name = "gc", mixinStandardHelpOptions = true,
      description = {"Remove old builds: their records, tarballs and releases here, and their copies on every reachable host.",
          "Keeps what a rollback to each swarm's last K successful releases needs, every stored swarm's and live run's"
              + " build, and builds no run has rolled out yet."})
  static final class Gc extends Commands.FleetCommand {
    @Option(names = "--keep", paramLabel = "K", defaultValue = "5",
        description = "successful releases of each swarm to keep the builds of (default ${DEFAULT-VALUE})")
    int keep;

    @Option(names = "--dry-run", description = "only say what would be removed")
    boolean dryRun;

    @Override
    int run(VrConfig config, Fleet fleet) {
      if (keep < 1) {
        throw InvalidValueException.of("--keep", keep, "must be at least 1 (the current release's build is always kept)");
      }
      GcReport report = fleet.dispatcher().gc(keep, dryRun);
      return show(report, () -> text(report));
    }

    @Override
    int remote(ServerClient api) {
      if (keep < 1) {
        throw InvalidValueException.of("--keep", keep, "must be at least 1 (the current release's build is always kept)");
      }
      GcReport report = api.call("POST", "/api/gc", Map.of("keep", keep, "dry_run", dryRun), Api.GC);
      return show(report, () -> text(report));
    }

    static String text(GcReport r) {
      String verb = r.dryRun() ? "would remove" : "removed";
      StringBuilder b = new StringBuilder();
      b.append("kept ").append(r.keptBuilds().size()).append(" build(s) (the last ").append(r.keepReleases())
          .append(" release(s) of each swarm)").append(r.keptBuilds().isEmpty() ? "" : ": " + String.join(", ", r.keptBuilds()))
          .append('\n');
      if (r.isNoop()) {
        b.append("nothing to remove\n");
      } else {
        b.append(verb).append(' ').append(r.deletedBuilds().size()).append(" build(s)")
            .append(r.deletedBuilds().isEmpty() ? "" : ": " + String.join(", ", r.deletedBuilds())).append('\n');
        b.append(verb).append(' ').append(r.deletedReleases().size()).append(" release(s), ")
            .append(r.deletedArtifacts().size()).append(" artifact(s)\n");
        r.hosts().entrySet().stream().sorted(Map.Entry.comparingByKey()).forEach(e -> {
          if (!e.getValue().isEmpty()) {
            b.append(e.getKey()).append(": ").append(verb).append(' ').append(String.join(", ", e.getValue())).append('\n');
          }
        });
      }
      r.warnings().forEach(w -> b.append("warning: ").append(w).append('\n'));
      return b.toString();
    }
  }
}
