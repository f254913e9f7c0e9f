package io.velociraptor.examples.cli;

import io.velociraptor.core.VrException;
import io.velociraptor.core.model.App;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.Port;
import io.velociraptor.core.model.PortLock;
import io.velociraptor.core.model.Release;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.spi.Store;
import io.velociraptor.core.store.FileStore;
import io.velociraptor.core.store.JdbcStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code vr store migrate}: copies a file store into the database the config names. */
final class StoreCommands {
  private StoreCommands() {}

  @Command(name = "store", mixinStandardHelpOptions = true, description = "Work on the store itself.",
      subcommands = Migrate.class)
  static final class StoreCmd extends Commands.Group {
  }

  /** How one kind of record fared. */
  record Tally(String kind, int source, int copied, int already, List<String> different) {
    Map<String, Object> json() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("kind", kind);
      m.put("in_file_store", source);
      m.put("copied", copied);
      m.put("already_there", already);
      m.put("different", different);
      return m;
    }
  }

  @Command(name = "migrate", mixinStandardHelpOptions = true,
      description = {"Copy a file store (apps, swarms, builds, releases, run history, port locks) into the database"
          + " the config's store: section names. Idempotent: a second run copies nothing.",
          "Refused while a run is live in the file store; stale runs and port locks are reclaimed first.",
          "Every record is read back from the database and compared. A record the database has differently is left"
              + " as it is and listed. Exit 0: copied and verified; 1: some records differ; 2: refused."})
  static final class Migrate extends Commands.Base {
    @Option(names = "--from", required = true, paramLabel = "FILESTORE_DIR",
        description = "the file store's directory (a config's store_dir)")
    Path from;

    @Override
    public Integer call() throws Exception {
      if (remote()) {
        throw Commands.Base.localOnly(spec.commandLine());
      }
      VrConfig config = root().loadConfig();
      if (!config.store.isPostgres()) {
        throw new ConfigException(config.file.toString(), "store.type", "is file (the file store in " + config.storeDir
            + "): vr store migrate copies into a database; name it in the config (store: {type: postgres, url: ...,"
            + " user: ..., password_file: ...})");
      }
      Path dir = from.toAbsolutePath().normalize();
      refuseUnlessFileStore(dir);
      try (FileStore source = FileStore.open(dir); JdbcStore target = config.store.openJdbc()) {
        List<Tally> tallies = migrate(source, target);
        boolean same = tallies.stream().allMatch(t -> t.different().isEmpty());
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("from", dir.toString());
        out.put("to", config.store.url());
        out.put("kinds", tallies.stream().map(Tally::json).toList());
        out.put("verified", true);
        show(out, () -> text(dir, config.store, tallies));
        return same ? VrMain.OK : VrMain.CHANGES;
      }
    }

    private static String text(Path dir, StoreConfig to, List<Tally> tallies) {
      List<List<String>> rows = new ArrayList<>();
      for (Tally t : tallies) {
        rows.add(List.of(t.kind(), Integer.toString(t.source()), Integer.toString(t.copied()),
            Integer.toString(t.already()), Integer.toString(t.different().size())));
      }
      StringBuilder b = new StringBuilder("vr store migrate: " + dir + " -> " + to.url() + "\n");
      b.append(Views.table(List.of("KIND", "IN FILE STORE", "COPIED", "ALREADY THERE", "DIFFERENT"), rows));
      for (Tally t : tallies) {
        for (String d : t.different()) {
          b.append("\n").append(t.kind()).append(' ').append(d)
              .append(": the database has a different record; left as it is");
        }
      }
      b.append("\nverified: every record of the file store read back from the database");
      return b.toString();
    }
  }

  /** A directory is a file store when it has the store's lock file or any of its record directories. */
  static void refuseUnlessFileStore(Path dir) {
    if (!Files.isDirectory(dir)) {
      throw InvalidValueException.of("--from", dir, Files.exists(dir) ? "is not a directory" : "does not exist");
    }
    for (String marker : List.of("store.lock", "meta", "apps", "swarms", "builds", "releases", "runs")) {
      if (Files.exists(dir.resolve(marker))) {
        return;
      }
    }
    throw InvalidValueException.of("--from", dir, "is not a file store (it has none of store.lock, meta/, apps/,"
        + " swarms/, builds/, releases/, runs/): give a config's store_dir");
  }

  /**
   * Copies every record, then reads every one back from the target. Stale runs and port locks
   * of the source are reclaimed first, as the next dispatch on it would.
   *
   * @return how each kind fared
   * @throws VrException if the source has a live run (something dispatches from it now) or a record read
   *     back differs from what was written
   */
  static List<Tally> migrate(Store source, JdbcStore target) {
    // as the next dispatch would: a run whose owner died is failed, and locks of no live run dropped
    source.reclaimStale();
    List<Swarm> swarms = source.swarms();
    for (Swarm s : swarms) {
      Optional<SwarmRun> live = source.activeRun(s.id());
      if (live.isPresent()) {
        throw new VrException("swarm " + s.name() + " has a live run " + live.get().id() + " ("
            + live.get().state().wire() + ", " + live.get().owner() + ") in the file store: migrate when nothing"
            + " dispatches from it (stop vr serve and dispatches, or let the run finish)");
      }
    }
    List<Tally> out = new ArrayList<>();
    List<App> apps = source.apps();
    out.add(copy("apps", apps, a -> a.name().value(), a -> target.app(a.name()), target::putApp));
    out.add(copy("swarms", swarms, s -> s.name() + " (" + s.id() + ")", s -> target.swarm(s.id()), target::putSwarm));
    List<Build> builds = new ArrayList<>();
    for (App a : apps) {
      builds.addAll(source.builds(a.name()));
    }
    out.add(copy("builds", builds, b -> b.app() + " " + b.version(), b -> target.build(b.app(), b.version()),
        target::putBuild));
    List<Release> releases = source.releases();
    out.add(copy("releases", releases, r -> r.hash().toString(), r -> target.release(r.hash()), target::putRelease));
    List<SwarmRun> runs = new ArrayList<>();
    for (Swarm s : swarms) {
      runs.addAll(source.history(s.id()));
    }
    out.add(copy("runs", runs, SwarmRun::id, r -> target.status(r.id()), target::importRun));
    out.add(copyLocks(source, target));
    return out;
  }

  private static <T> Tally copy(String kind, List<T> records, Function<T, String> name, Function<T, Optional<T>> read,
      java.util.function.Consumer<T> write) {
    int copied = 0;
    int already = 0;
    List<String> different = new ArrayList<>();
    for (T r : records) {
      Optional<T> there = read.apply(r);
      if (there.isEmpty()) {
        write.accept(r);
        copied++;
      } else if (there.get().equals(r)) {
        already++;
      } else {
        different.add(name.apply(r));
      }
    }
    // the check: every record read back, equal unless it was already there differently
    for (T r : records) {
      Optional<T> back = read.apply(r);
      if (back.isEmpty() || !back.get().equals(r) && !different.contains(name.apply(r))) {
        throw new VrException(kind + " " + name.apply(r) + " reads back from the database "
            + (back.isEmpty() ? "as missing" : "differently") + " after the copy: the migration is incomplete");
      }
    }
    return new Tally(kind, records.size(), copied, already, different);
  }

  /** Port locks by (host, port): a lock the database has for another owner is a difference, left alone. */
  private static Tally copyLocks(Store source, JdbcStore target) {
    Map<String, PortLock> there = new TreeMap<>();
    target.portLocks().forEach(l -> there.put(l.host() + ":" + l.port(), l));
    Map<String, Map<HostName, List<Port>>> toReserve = new TreeMap<>();
    int already = 0;
    List<String> different = new ArrayList<>();
    List<PortLock> locks = new ArrayList<>(source.portLocks());
    for (PortLock l : locks) {
      PortLock t = there.get(l.host() + ":" + l.port());
      if (t == null) {
        toReserve.computeIfAbsent(l.owner(), o -> new TreeMap<>()).computeIfAbsent(l.host(), h -> new ArrayList<>())
            .add(l.port());
      } else if (t.owner().equals(l.owner())) {
        already++;
      } else {
        different.add(l.host() + ":" + l.port() + " (the database's owner: " + t.owner() + ")");
      }
    }
    int copied = 0;
    for (var byOwner : toReserve.entrySet()) {
      for (var byHost : byOwner.getValue().entrySet()) {
        copied += target.reserve(byHost.getKey(), byHost.getValue(), byOwner.getKey()).size();
      }
    }
    Map<String, String> back = new TreeMap<>();
    target.portLocks().forEach(l -> back.put(l.host() + ":" + l.port(), l.owner()));
    for (PortLock l : locks) {
      String key = l.host() + ":" + l.port();
      if (!l.owner().equals(back.get(key)) && different.stream().noneMatch(d -> d.startsWith(key + " "))) {
        throw new VrException("port lock " + key + " of " + l.owner() + " reads back from the database as "
            + (back.containsKey(key) ? "owned by " + back.get(key) : "missing") + " after the copy");
      }
    }
    return new Tally("port locks", locks.size(), copied, already, different);
  }
}
