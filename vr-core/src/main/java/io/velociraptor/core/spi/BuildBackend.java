package io.velociraptor.core.spi;

import io.velociraptor.core.model.Build;

/**
 * Turns an app's source at a version into a build: a tarball in an {@link ArtifactStore} plus the
 * metadata a release needs. Implementations let concurrent builds of the same app and version
 * wait for each other (or share the finished result) instead of failing.
 */
public interface BuildBackend {

  /**
   * Builds, blocking until the build is stored or has failed.
   *
   * @param request what to build
   * @param listener receives log lines and steps as they happen
   * @return the build result, status {@code SUCCESS}, with its artifact, hashes, size, commit,
   *     buildpacks (pinned to commits), process types and config vars
   * @throws BuildFailedException if the build failed (its message has the log tail);
   *     {@link BuildTimeoutException} if a buildpack script ran out of time
   * @throws io.velociraptor.core.VrException for a request the backend cannot serve (no source,
   *     no buildpacks)
   */
  Build build(BuildRequest request, BuildListener listener);
}
