package io.velociraptor.examples.server;

import java.util.Locale;

/** What an API token may do: {@code read} < {@code deploy} < {@code admin}. */
public enum Role {
  /** every GET, and dry runs */
  READ,
  /** + builds, dispatch, delete, promote, revert, rollback, restart, scale */
  DEPLOY,
  /** + proc start/stop/restart, gc */
  ADMIN;

  /**
   * Reads a role as the config writes it.
   *
   * @param text {@code read}, {@code deploy} or {@code admin}
   * @return the role
   * @throws IllegalArgumentException naming the bad value
   */
  public static Role parse(String text) {
    for (Role r : values()) {
      if (r.wire().equals(text)) {
        return r;
      }
    }
    throw new IllegalArgumentException("must be one of read, deploy, admin");
  }

  /** @return the name as the config and the API write it */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Says whether this role may do what {@code needed} may.
   *
   * @param needed the role a route needs
   * @return whether this role is at least that
   */
  public boolean covers(Role needed) {
    return compareTo(needed) >= 0;
  }
}
