package io.velociraptor.core.deploy;

import io.velociraptor.core.model.ReleaseHash;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a build and artifact garbage collection kept and removed (or, in a dry run, would remove).
 *
 * @param keepReleases how many successful releases of each swarm it kept the builds of
 * @param dryRun whether it only said what it would remove
 * @param keptBuilds the builds kept, as {@code app version}, sorted
 * @param deletedBuilds the build records removed, as {@code app version}, sorted
 * @param deletedReleases the release records removed, sorted
 * @param deletedArtifacts the sha256 of the artifacts removed from the artifact store, sorted
 * @param hosts per host name, the paths removed under the runner's root there, sorted
 * @param warnings what it could not do (an unreachable host, no artifact store), for people
 */
public record GcReport(int keepReleases, boolean dryRun, List<String> keptBuilds, List<String> deletedBuilds,
    List<ReleaseHash> deletedReleases, List<String> deletedArtifacts, Map<String, List<String>> hosts,
    List<String> warnings) {
  /**
   * Copies the lists.
   *
   * @param keepReleases how many releases per swarm it kept
   * @param dryRun whether it was a dry run
   * @param keptBuilds the builds kept
   * @param deletedBuilds the build records removed
   * @param deletedReleases the release records removed
   * @param deletedArtifacts the artifacts removed
   * @param hosts the paths removed per host
   * @param warnings what it could not do
   */
  public GcReport {
    keptBuilds = List.copyOf(keptBuilds);
    deletedBuilds = List.copyOf(deletedBuilds);
    deletedReleases = List.copyOf(deletedReleases);
    deletedArtifacts = List.copyOf(deletedArtifacts);
    hosts = Map.copyOf(Objects.requireNonNull(hosts, "hosts"));
    warnings = List.copyOf(warnings);
  }

  /** Whether it removed (or would remove) nothing at all. */
  public boolean isNoop() {
    return deletedBuilds.isEmpty() && deletedReleases.isEmpty() && deletedArtifacts.isEmpty()
        && hosts.values().stream().allMatch(List::isEmpty);
  }
}
