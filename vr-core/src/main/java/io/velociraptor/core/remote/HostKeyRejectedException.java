package io.velociraptor.core.remote;

import io.velociraptor.core.spi.HostConnectionException;

/**
 * An SSH host presented a key that the known_hosts file does not vouch for: the host is unknown
 * there, or its key changed (a reinstalled host, or someone in the middle). Names the host, the
 * key type and its {@code SHA256:} fingerprint, so an operator can compare it with the host's
 * {@code ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub} before trusting it.
 */
public final class HostKeyRejectedException extends HostConnectionException {
  private static final long serialVersionUID = 1L;

  /** Why the key was rejected. */
  public enum Reason {
    /** known_hosts has no key for this host. */
    UNKNOWN,
    /** known_hosts has a different key for this host. */
    CHANGED
  }

  /** The reason (structured field of the message). */
  private final Reason reason;
  /** The key type (structured field of the message). */
  private final String keyType;
  /** The fingerprint (structured field of the message). */
  private final String fingerprint;
  /** The known hosts (structured field of the message). */
  private final String knownHosts;

  HostKeyRejectedException(String host, String hostKeyName, Reason reason, String keyType,
      String fingerprint, String knownHosts) {
    super(host, message(hostKeyName, reason, keyType, fingerprint, knownHosts), null);
    this.reason = reason;
    this.keyType = keyType;
    this.fingerprint = fingerprint;
    this.knownHosts = knownHosts;
  }

  private static String message(String hostKeyName, Reason reason, String keyType,
      String fingerprint, String knownHosts) {
    if (reason == Reason.CHANGED) {
      return "the host key of " + hostKeyName + " has CHANGED: it now presents " + keyType + " "
          + fingerprint + ", which does not match " + knownHosts + ". Someone may be in the "
          + "middle, or the host was reinstalled; verify the fingerprint on the host before "
          + "replacing its line in " + knownHosts;
    }
    return "unknown host " + hostKeyName + ": its " + keyType + " key " + fingerprint
        + " is not in " + knownHosts + ". Verify the fingerprint on the host, then add it, e.g. "
        + "ssh-keyscan -p <port> <host> >> " + knownHosts;
  }

  /** Whether the host was unknown or its key changed. */
  public Reason reason() {
    return reason;
  }

  /** The presented key's type, e.g. {@code ssh-ed25519}. */
  public String keyType() {
    return keyType;
  }

  /** The presented key's fingerprint, {@code SHA256:} and unpadded base64. */
  public String fingerprint() {
    return fingerprint;
  }

  /** The known_hosts file that was consulted. */
  public String knownHosts() {
    return knownHosts;
  }
}
