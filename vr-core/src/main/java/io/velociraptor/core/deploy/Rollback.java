package io.velociraptor.core.deploy;

import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.Release;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.spi.Store;
import java.util.List;
import java.util.Optional;

/**
 * Chooses what a rollback dispatches: a successful release of the swarm's history, on its
 * stored build, as the old run's swarm for code and config and the stored swarm for scale.
 */
final class Rollback {
  /** What to dispatch, and why (for the run's history). */
  record Target(Swarm swarm, ReleaseRecord record, String note) {}

  private Rollback() {}

  static Target choose(Store store, Swarm stored, Optional<String> to) {
    ReleaseHistory history = ReleaseHistory.of(stored.id(), store.history(stored.id()), store::release);
    ReleaseRecord record = to.isEmpty() ? previous(stored, history) : named(stored, history, to.get().strip());
    SwarmRun run = store.status(record.runId()).orElseThrow(() -> new RollbackRefusedException(stored.name(),
        "run " + record.runId() + " of swarm " + stored.name() + " is no longer stored"));
    Swarm old = run.swarm().orElseThrow();
    requireBuild(store, stored, record);
    // code and config from the old run; scale, placement, routing and policy as the swarm is now
    Swarm target = stored.toBuilder()
        .version(old.version())
        .ingredients(old.ingredients())
        .settings(old.settings())
        .env(old.env())
        .volumes(old.volumes())
        .runAs(old.runAs())
        .memLimit(old.memLimit())
        .memswLimit(old.memswLimit())
        .build();
    Build build = store.build(target.app(), target.version()).orElseThrow();
    ReleaseHash again = Release.of(target, build).hash();
    if (!again.equals(record.release())) {
      throw new RollbackRefusedException(stored.name(), "rolling back swarm " + stored.name() + " to release "
          + record.release() + " would make release " + again + " instead (the stored build of " + target.app() + " "
          + target.version() + " now sets other config vars); dispatch it on purpose with `vr dispatch`");
    }
    return new Target(target, record, "rollback to release " + record.release() + " (" + record.app() + " "
        + record.version() + ", run " + record.runId() + ")");
  }

  /** The build the release runs must still be the stored, usable build of its app and version. */
  static void requireBuild(Store store, Swarm stored, ReleaseRecord record) {
    String what = "release " + record.release() + " (" + record.app() + " " + record.version() + ", run " + record.runId() + ")";
    Optional<Release> release = store.release(record.release());
    if (release.isEmpty()) {
      throw new RollbackRefusedException(stored.name(), "cannot roll swarm " + stored.name() + " back to " + what
          + ": the release record was garbage-collected (vr gc) with its build; a rollback never rebuilds."
          + " Dispatch version " + record.version() + " again to build it anew");
    }
    Optional<Build> build = store.build(record.app(), record.version());
    String wanted = release.get().build().buildHash();
    if (build.isEmpty() || !build.get().isUsable()) {
      throw new RollbackRefusedException(stored.name(), "cannot roll swarm " + stored.name() + " back to " + what
          + ": its build was garbage-collected (vr gc)" + (build.isPresent() ? " or is not usable (" + build.get().status() + ")" : "")
          + "; a rollback never rebuilds. Dispatch version " + record.version() + " again to build it anew");
    }
    if (!build.get().buildHash().equals(wanted)) {
      throw new RollbackRefusedException(stored.name(), "cannot roll swarm " + stored.name() + " back to " + what
          + ": " + record.app() + " " + record.version() + " was rebuilt since (build " + shortHash(build.get().buildHash())
          + ", the release ran " + shortHash(wanted) + "); a rollback never rebuilds and this build is not that release's."
          + " Dispatch version " + record.version() + " on purpose to run the new build");
    }
  }

  private static ReleaseRecord previous(Swarm stored, ReleaseHistory history) {
    return history.previous().orElseThrow(() -> new RollbackRefusedException(stored.name(), "swarm " + stored.name()
        + " has no earlier successful release to roll back to"
        + history.current().map(c -> " (it runs release " + c.release() + ", " + c.version() + ")").orElse("")
        + "; its releases: " + listing(history)));
  }

  private static ReleaseRecord named(Swarm stored, ReleaseHistory history, String to) {
    Optional<ReleaseRecord> byRun = history.byRun(to);
    if (byRun.isPresent()) {
      if (!byRun.get().succeeded()) {
        throw new RollbackRefusedException(stored.name(), "run " + to + " of swarm " + stored.name() + " ended "
            + byRun.get().state().wire() + ": only a release that succeeded is a rollback target; its releases: "
            + listing(history));
      }
      return byRun.get();
    }
    if (history.records().stream().anyMatch(r -> r.release().value().equals(to))) {
      return history.succeeded(ReleaseHash.of(to)).orElseThrow(() -> new RollbackRefusedException(stored.name(),
          "release " + to + " never succeeded on swarm " + stored.name() + ": only a release that succeeded is a"
              + " rollback target; its releases: " + listing(history)));
    }
    throw InvalidValueException.of("rollback target", to, "is neither a release nor a run of swarm " + stored.name()
        + "; its releases: " + listing(history));
  }

  static String listing(ReleaseHistory history) {
    List<ReleaseRecord> records = history.records();
    if (records.isEmpty()) {
      return "none recorded";
    }
    StringBuilder b = new StringBuilder();
    for (ReleaseRecord r : records) {
      if (b.length() > 0) {
        b.append(", ");
      }
      b.append(r.release()).append(' ').append(r.version()).append(" (run ").append(r.runId()).append(", ")
          .append(r.state().wire()).append(')');
    }
    return b.toString();
  }

  private static String shortHash(String hash) {
    return hash.length() > 12 ? hash.substring(0, 12) : hash;
  }
}
