package io.velociraptor.examples.cli;

import io.velociraptor.core.VrException;

/** A mistake in the vr config file or a swarm file: names the file, the field and the bad value. */
public final class ConfigException extends VrException {
  private static final long serialVersionUID = 1L;

  /** The file (structured field of the message). */
  private final String file;
  /** The field (structured field of the message). */
  private final String field;

  ConfigException(String file, String field, String problem) {
    super(file + ": " + field + " " + problem);
    this.file = file;
    this.field = field;
  }

  /** @return the file the mistake is in */
  public String file() {
    return file;
  }

  /** @return the field, as a path such as {@code hosts[1].port_range} */
  public String field() {
    return field;
  }
}
