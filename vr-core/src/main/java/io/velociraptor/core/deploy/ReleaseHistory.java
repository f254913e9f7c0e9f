package io.velociraptor.core.deploy;

import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.Release;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.ReleaseHashes;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.SwarmRun;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * The releases a swarm has run, newest first: one {@link ReleaseRecord} per run that recorded a
 * release (runs without one, such as a delete or a run whose build failed, are left out). Pure:
 * computed from a swarm's run history and a lookup of release records, so it reads the same
 * whoever computes it.
 *
 * <p>The <em>current</em> release is the one of the newest run that ended done; the
 * <em>previous</em> one is the newest done run's release that differs from it (what {@code vr
 * rollback} goes back to).
 */
public final class ReleaseHistory {
  private final SwarmId swarm;
  private final List<ReleaseRecord> records;

  private ReleaseHistory(SwarmId swarm, List<ReleaseRecord> records) {
    this.swarm = swarm;
    this.records = List.copyOf(records);
  }

  /**
   * Computes a swarm's release history.
   *
   * @param swarm the swarm
   * @param runs its runs, in any order (runs of other swarms are ignored)
   * @param releases looks up a stored release by hash (a collected one is absent)
   * @return the history, newest first
   */
  public static ReleaseHistory of(SwarmId swarm, List<SwarmRun> runs, Function<ReleaseHash, Optional<Release>> releases) {
    Objects.requireNonNull(swarm, "swarm");
    List<SwarmRun> mine = new ArrayList<>();
    for (SwarmRun r : runs) {
      if (r.swarmId().equals(swarm) && r.release().isPresent() && r.swarm().isPresent()) {
        mine.add(r);
      }
    }
    // the store's order (a run number is zero-padded, and may outgrow its padding), newest first
    mine.sort(Comparator.comparing(SwarmRun::createdAt).thenComparingInt((SwarmRun r) -> r.id().length())
        .thenComparing(SwarmRun::id).reversed());
    Optional<String> currentRun = mine.stream().filter(r -> r.state() == io.velociraptor.core.model.RunState.DONE)
        .map(SwarmRun::id).findFirst();
    List<ReleaseRecord> out = new ArrayList<>();
    for (SwarmRun r : mine) {
      Swarm s = r.swarm().orElseThrow();
      ReleaseHash hash = r.release().orElseThrow();
      Optional<Release> release = releases.apply(hash);
      out.add(new ReleaseRecord(hash, s.app(), s.version(), s.config(), release.map(ReleaseHistory::configDigest),
          release.map(rel -> rel.build().buildHash()), r.id(), r.createdAt(), r.finishedAt(), r.state(),
          currentRun.equals(Optional.of(r.id()))));
    }
    return new ReleaseHistory(swarm, out);
  }

  /**
   * A short stable digest of a release's config: its settings, env, volumes, run-as user and
   * memory limits, everything but the build. Two releases of one build differ exactly when their
   * digests do; it shows that config changed without showing a single env value.
   *
   * @param release a release
   * @return 8 hex characters
   */
  public static String configDigest(Release release) {
    return ReleaseHashes.of("", release.settings(), release.env(), List.copyOf(release.volumes()), release.runAs(),
        release.memLimit(), release.memswLimit()).value().substring(0, 8);
  }

  /** The swarm whose history this is. */
  public SwarmId swarm() {
    return swarm;
  }

  /** Every record, newest first. */
  public List<ReleaseRecord> records() {
    return records;
  }

  /** The record of the release the swarm runs now: the newest that succeeded. */
  public Optional<ReleaseRecord> current() {
    return records.stream().filter(ReleaseRecord::current).findFirst();
  }

  /**
   * The newest successful record whose release differs from the current one: what a rollback
   * without {@code --to} goes back to.
   *
   * @return it, if the swarm ever ran another release successfully
   */
  public Optional<ReleaseRecord> previous() {
    Optional<ReleaseHash> now = current().map(ReleaseRecord::release);
    return records.stream().filter(r -> r.succeeded() && !Optional.of(r.release()).equals(now)).findFirst();
  }

  /**
   * The record of one run.
   *
   * @param runId the run
   * @return its record, if that run rolled out a release of this swarm
   */
  public Optional<ReleaseRecord> byRun(String runId) {
    return records.stream().filter(r -> r.runId().equals(runId)).findFirst();
  }

  /**
   * The newest successful record of a release.
   *
   * @param release the release
   * @return its newest successful record, if it ever succeeded here
   */
  public Optional<ReleaseRecord> succeeded(ReleaseHash release) {
    return records.stream().filter(r -> r.succeeded() && r.release().equals(release)).findFirst();
  }

  /**
   * The last {@code k} distinct releases that succeeded, newest first (the current one among
   * them): what a rollback may go back to and garbage collection keeps.
   *
   * @param k how many (at least 1)
   * @return their newest successful records, newest first
   * @throws InvalidValueException if {@code k} is below 1
   */
  public List<ReleaseRecord> lastSucceeded(int k) {
    if (k < 1) {
      throw InvalidValueException.of("releases to keep", k, "must be at least 1");
    }
    Set<ReleaseHash> seen = new LinkedHashSet<>();
    List<ReleaseRecord> out = new ArrayList<>();
    for (ReleaseRecord r : records) {
      if (r.succeeded() && seen.add(r.release())) {
        out.add(r);
        if (out.size() == k) {
          break;
        }
      }
    }
    return List.copyOf(out);
  }
}
