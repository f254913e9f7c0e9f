package io.velociraptor.examples.cli;

import io.velociraptor.core.VrException;
import io.velociraptor.core.model.App;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.PortLock;
import io.velociraptor.core.model.Release;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.store.FileStore;
import io.velociraptor.core.store.JdbcStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
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
          "Every record is read back from the database and compared. If the database has a record differently,"
              + " nothing is copied and those records are listed. Exit 0: copied and verified; 1: some records differ;"
              + " 2: refused."})
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
        out.put("verified", same);
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
      boolean differs = false;
      for (Tally t : tallies) {
        for (String d : t.different()) {
          differs = true;
          b.append("\n").append(t.kind()).append(' ').append(d).append(": the database has a different record");
        }
      }
      b.append(differs ? "\nnothing copied: the database differs from the file store in the records above;"
          + " migrate into a fresh database, or remove those records from it first"
          : "\nverified: every record of the file store read back from the database");
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

  /** One kind of record: how to name one, and how to read it from a store. */
  record Kind<T>(String kind, List<T> records, Function<T, String> name, Function<T, Optional<T>> read) {
    /** @return the names of the records the target has differently */
    List<String> different() {
      return records.stream().filter(r -> read.apply(r).filter(t -> !t.equals(r)).isPresent()).map(name).toList();
    }

    int already() {
      return (int) records.stream().filter(r -> read.apply(r).filter(r::equals).isPresent()).count();
    }

    /** Reads every record back; one missing or different (unless it already was) fails the migration. */
    void verify(List<String> differentBefore) {
      for (T r : records) {
        Optional<T> back = read.apply(r);
        if (back.isEmpty() || !back.get().equals(r) && !differentBefore.contains(name.apply(r))) {
          throw new VrException(kind + " " + name.apply(r) + " reads back from the database "
              + (back.isEmpty() ? "as missing" : "differently") + " after the copy: the migration is incomplete");
        }
      }
    }
  }

  /**
   * Copies every record ({@link JdbcStore#copyFrom}: verbatim, in one transaction), then reads
   * every one back through the Store API and compares; when the database has every record already,
   * it writes nothing. Stale runs and port locks of the source are
   * reclaimed first, as the next dispatch on it would. A record the database has differently
   * stops the migration before anything is written (the tallies say which; nothing copied).
   *
   * @return how each kind fared
   * @throws VrException if the source has a live run (something dispatches from it now) or a record read
   *     back differs from what was written
   */
  static List<Tally> migrate(FileStore source, JdbcStore target) {
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
    List<App> apps = source.apps();
    List<Build> builds = new ArrayList<>();
    for (App a : apps) {
      builds.addAll(source.builds(a.name()));
    }
    List<SwarmRun> runs = new ArrayList<>();
    for (Swarm s : swarms) {
      runs.addAll(source.history(s.id()));
    }
    List<Kind<?>> kinds = List.of(
        new Kind<>("apps", apps, a -> a.name().value(), a -> target.app(a.name())),
        new Kind<>("swarms", swarms, s -> s.name() + " (" + s.id() + ")", s -> target.swarm(s.id())),
        new Kind<>("builds", builds, b -> b.app() + " " + b.version(), b -> target.build(b.app(), b.version())),
        new Kind<Release>("releases", source.releases(), r -> r.hash().toString(), r -> target.release(r.hash())),
        new Kind<>("runs", runs, SwarmRun::id, r -> target.status(r.id())),
        // a port lock by host, port and owner (its time is the lock's own)
        new Kind<>("port locks", new ArrayList<>(source.portLocks()).stream().map(StoreCommands::lockKey).toList(),
            k -> k, k -> target.portLocks().stream().map(StoreCommands::lockKey)
                .filter(t -> t.substring(0, t.indexOf(' ')).equals(k.substring(0, k.indexOf(' ')))).findFirst()));
    List<Tally> out = new ArrayList<>();
    List<List<String>> differentBefore = new ArrayList<>();
    int[] alreadyBefore = new int[kinds.size()];
    for (int i = 0; i < kinds.size(); i++) {
      differentBefore.add(kinds.get(i).different());
      alreadyBefore[i] = kinds.get(i).already();
    }
    boolean differs = differentBefore.stream().anyMatch(d -> !d.isEmpty());
    boolean allThere = true;
    for (int i = 0; i < kinds.size(); i++) {
      allThere &= alreadyBefore[i] == kinds.get(i).records().size();
    }
    if (!differs && !allThere) {
      // (with everything there already, nothing is written: the database may have moved on since)
      target.copyFrom(source);
      for (int i = 0; i < kinds.size(); i++) {
        kinds.get(i).verify(differentBefore.get(i));
      }
    }
    for (int i = 0; i < kinds.size(); i++) {
      Kind<?> k = kinds.get(i);
      out.add(new Tally(k.kind(), k.records().size(), differs ? 0 : k.records().size() - alreadyBefore[i],
          alreadyBefore[i], differentBefore.get(i)));
    }
    return out;
  }

  private static String lockKey(PortLock l) {
    return l.host() + ":" + l.port() + " " + l.owner();
  }
}
