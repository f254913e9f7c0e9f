package io.velociraptor.core;

/**
 * The root of every exception vr throws. All are unchecked; subclasses carry structured fields
 * (host, command, exit code, fault, the bad value) and a message a person can act on.
 */
public class VrException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /**
   * An exception with a message for the person who has to act on it.
   *
   * @param message what went wrong and, where possible, what to do about it
   */
  public VrException(String message) {
    super(message);
  }

  /**
   * An exception with a message for the person who has to act on it, and its cause.
   *
   * @param message what went wrong and, where possible, what to do about it
   * @param cause the underlying failure
   */
  public VrException(String message, Throwable cause) {
    super(message, cause);
  }
}
