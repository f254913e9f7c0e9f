package io.velociraptor.core.spi;

import io.velociraptor.core.VrException;
import java.net.URI;
import java.time.Instant;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A stored build artifact, identified by the sha256 of its bytes.
 *
 * @param sha256 lowercase hex sha256 of the content (its identity)
 * @param md5 lowercase hex md5 of the content (what the original recorded as build_md5)
 * @param size size in bytes
 * @param location where the store keeps it (a {@code file:} URI for the filesystem store)
 * @param storedAt when it was first stored
 */
public record Artifact(String sha256, String md5, long size, URI location, Instant storedAt) {
  private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern MD5 = Pattern.compile("[0-9a-f]{32}");

  /**
   * @param sha256 lowercase hex sha256 of the content
   * @param md5 lowercase hex md5 of the content
   * @param size size in bytes
   * @param location where the store keeps it
   * @param storedAt when it was first stored
   * @throws VrException if a hash is not lowercase hex of the right length or size is negative
   */
  public Artifact {
    requireSha256(sha256);
    if (md5 == null || !MD5.matcher(md5).matches()) {
      throw new VrException("artifact md5 must be 32 lowercase hex characters, got '" + md5 + "'");
    }
    if (size < 0) {
      throw new VrException("artifact size must not be negative, got " + size);
    }
    Objects.requireNonNull(location, "location");
    Objects.requireNonNull(storedAt, "storedAt");
  }

  /**
   * Checks that a text is a sha256 in lowercase hex.
   *
   * @param sha256 the text
   * @return the same text
   * @throws VrException naming the bad value if it is not
   */
  public static String requireSha256(String sha256) {
    if (sha256 == null || !SHA256.matcher(sha256).matches()) {
      throw new VrException(
          "artifact sha256 must be 64 lowercase hex characters, got '" + sha256 + "'");
    }
    return sha256;
  }
}
