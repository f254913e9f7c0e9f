package io.velociraptor.core.model;

/** Where a build is in its life. */
public enum BuildStatus {
  /** Asked for, not started. */
  PENDING,
  /** Running. */
  STARTED,
  /** Finished with a usable tarball. */
  SUCCESS,
  /** Finished without one. */
  FAILED,
  /** Its tarball was garbage-collected. */
  EXPIRED
}
