package io.velociraptor.core.deploy;

import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.ConfigName;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.RunState;
import io.velociraptor.core.model.Version;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One line of a swarm's release history: one run that rolled a release out. A release rolled out
 * by several runs (a rollback to it, a re-dispatch after a failure) has one record per run.
 *
 * @param release the release's hash
 * @param app the app
 * @param version the version (of the build)
 * @param config the swarm's config name when it ran
 * @param configDigest a short stable digest of the release's config (settings, env, volumes,
 *     run-as user, memory limits: everything but the build), never the values themselves; absent
 *     when the release record is gone (collected with its build)
 * @param buildHash the hash of the build the release runs (sha256, else md5), when the release
 *     record is stored
 * @param runId the run that rolled it out
 * @param dispatchedAt when that run started
 * @param finishedAt when that run finished, once it did
 * @param state the run's state
 * @param current whether this is the record of the release the swarm runs now: the newest
 *     successful one
 */
public record ReleaseRecord(ReleaseHash release, AppName app, Version version, ConfigName config,
    Optional<String> configDigest, Optional<String> buildHash, String runId, Instant dispatchedAt,
    Optional<Instant> finishedAt, RunState state, boolean current) {
  /**
   * Checks that no part is missing.
   *
   * @param release the release
   * @param app the app
   * @param version the version
   * @param config the config name
   * @param configDigest the config digest
   * @param buildHash the build hash
   * @param runId the run id
   * @param dispatchedAt when the run started
   * @param finishedAt when it finished
   * @param state the run's state
   * @param current whether it is the current release's record
   * @throws NullPointerException naming a missing part
   */
  public ReleaseRecord {
    Objects.requireNonNull(release, "release");
    Objects.requireNonNull(app, "app");
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(config, "config");
    Objects.requireNonNull(configDigest, "configDigest");
    Objects.requireNonNull(buildHash, "buildHash");
    Objects.requireNonNull(runId, "runId");
    Objects.requireNonNull(dispatchedAt, "dispatchedAt");
    Objects.requireNonNull(finishedAt, "finishedAt");
    Objects.requireNonNull(state, "state");
  }

  /** Whether the run that rolled it out ended done: only such a release is a rollback target. */
  public boolean succeeded() {
    return state == RunState.DONE;
  }
}
