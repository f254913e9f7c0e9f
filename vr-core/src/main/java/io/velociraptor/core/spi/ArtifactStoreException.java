package io.velociraptor.core.spi;

import io.velociraptor.core.VrException;

/** An artifact store could not read or write an artifact. */
public class ArtifactStoreException extends VrException {
  private static final long serialVersionUID = 1L;

  /** The artifact concerned, or empty. */
  private final String sha256;

  /**
   * An artifact store failure concerning the artifact {@code sha256}, if known.
   *
   * @param sha256 the artifact concerned (empty when none is known yet)
   * @param message what went wrong
   * @param cause the underlying failure, or null
   */
  public ArtifactStoreException(String sha256, String message, Throwable cause) {
    super(message, cause);
    this.sha256 = sha256;
  }

  /** The artifact concerned, empty when none is known yet. */
  public String sha256() {
    return sha256;
  }
}
