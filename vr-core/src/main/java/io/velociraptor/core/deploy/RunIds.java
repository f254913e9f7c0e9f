package io.velociraptor.core.deploy;

import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.store.RunOwners;
import java.security.SecureRandom;
import java.util.HexFormat;

/** Trace ids and run ownership for dispatches. */
final class RunIds {
  private static final SecureRandom RANDOM = new SecureRandom();

  private RunIds() {}

  /** @return 16 random hex characters that tie a run's events together */
  static String traceId() {
    byte[] bytes = new byte[8];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  /** @return this process as a run owner, so a store can tell when the owner is gone */
  static SwarmRun.Owner thisProcess() {
    return RunOwners.current();
  }
}
