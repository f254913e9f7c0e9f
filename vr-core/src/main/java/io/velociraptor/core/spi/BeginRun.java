package io.velociraptor.core.spi;

import io.velociraptor.core.model.SwarmRun;
import java.util.Objects;

/**
 * What {@link Store#tryBeginRun} did: started a new run, or found the swarm busy with another.
 */
public sealed interface BeginRun {

  /**
   * A new run was created in state {@code pending}; the caller owns it.
   *
   * @param run the new run
   */
  record Started(SwarmRun run) implements BeginRun {
    /** @throws NullPointerException if run is null */
    public Started {
      Objects.requireNonNull(run, "run");
    }
  }

  /**
   * Another live run of the swarm holds it; nothing was created.
   *
   * @param holder the run in the way
   */
  record Busy(SwarmRun holder) implements BeginRun {
    /** @throws NullPointerException if holder is null */
    public Busy {
      Objects.requireNonNull(holder, "holder");
    }
  }
}
