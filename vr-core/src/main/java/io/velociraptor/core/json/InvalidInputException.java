package io.velociraptor.core.json;

import io.velociraptor.core.VrException;

/**
 * A JSON or YAML document could not be read: malformed, too large, an alias bomb, a missing
 * required key or a bad value. The message names the key path and, where known, the value.
 */
public final class InvalidInputException extends VrException {
  private static final long serialVersionUID = 1L;
  /** The path (structured field of the message). */
  private final String path;

  InvalidInputException(String message, String path, Throwable cause) {
    super(message, cause);
    this.path = path;
  }

  /** The key path where reading failed, e.g. {@code swarm.volumes[0]}; may be empty. */
  public String path() {
    return path;
  }
}
