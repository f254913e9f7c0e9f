package io.velociraptor.examples.cli;

import io.velociraptor.core.VrException;

/**
 * A name that should point at something the store or the fleet has (an app, build, swarm, run,
 * host or proc) points at nothing. The message names it as an invalid value would, so the CLI
 * prints the same line; the server answers 404.
 */
public final class NotFoundException extends VrException {
  private static final long serialVersionUID = 1L;

  /**
   * An exception saying there is no such thing.
   *
   * @param what the kind of thing ({@code swarm}, {@code run id}, {@code proc})
   * @param name the name as given
   * @param problem what is wrong, e.g. {@code is not a stored swarm}
   */
  public NotFoundException(String what, Object name, String problem) {
    super(io.velociraptor.core.model.InvalidValueException.of(what, name, problem).getMessage());
  }
}
