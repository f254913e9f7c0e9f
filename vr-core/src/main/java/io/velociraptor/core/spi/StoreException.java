package io.velociraptor.core.spi;

import io.velociraptor.core.VrException;

/**
 * A {@link Store} could not do what was asked: the storage failed (names the location and the
 * operation), a stored record is unreadable, a run id is unknown, or a lock could not be had in
 * time.
 */
public class StoreException extends VrException {
  private static final long serialVersionUID = 1L;

  /** The location (structured field of the message). */
  private final String location;
  /** The operation (structured field of the message). */
  private final String operation;

  /**
   * A failed store operation; the message names the operation and the store's location.
   *
   * @param location where: a directory, a file, a table, a run id
   * @param operation what was being done, e.g. {@code put swarm}
   * @param detail what went wrong and what to do
   * @param cause the underlying failure, or null
   */
  public StoreException(String location, String operation, String detail, Throwable cause) {
    super(operation + " failed at " + location + ": " + detail, cause);
    this.location = location;
    this.operation = operation;
  }

  /** Where it failed. */
  public String location() {
    return location;
  }

  /** What was being done. */
  public String operation() {
    return operation;
  }
}
