package io.velociraptor.core.remote;

import com.jcraft.jsch.HostKey;
import com.jcraft.jsch.HostKeyRepository;
import com.jcraft.jsch.UserInfo;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;

/**
 * Checks host keys against known_hosts (or accepts all, for tests) and remembers a rejection, so
 * that the runner can name the host and fingerprint instead of JSch's terse message. Never adds
 * keys: trust is the operator's decision.
 */
final class VerifyingHostKeyRepository implements HostKeyRepository {
  private final HostKeyRepository knownHosts;
  private final boolean acceptAll;
  private volatile Rejection rejection;

  record Rejection(String hostKeyName, int result, String keyType, String fingerprint) {}

  VerifyingHostKeyRepository(HostKeyRepository knownHosts, boolean acceptAll) {
    this.knownHosts = knownHosts;
    this.acceptAll = acceptAll;
  }

  @Override
  public int check(String host, byte[] key) {
    if (acceptAll) {
      return OK;
    }
    int result = knownHosts.check(host, key);
    if (result != OK) {
      rejection = new Rejection(host, result, keyType(key), fingerprint(key));
    }
    return result;
  }

  Rejection rejection() {
    return rejection;
  }

  static String keyType(byte[] blob) {
    ByteBuffer b = ByteBuffer.wrap(blob);
    int n = b.getInt();
    return new String(blob, 4, n, StandardCharsets.US_ASCII);
  }

  static String fingerprint(byte[] blob) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob);
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  @Override
  public void add(HostKey hostkey, UserInfo ui) {
    // never learn keys silently
  }

  @Override
  public void remove(String host, String type) {
    knownHosts.remove(host, type);
  }

  @Override
  public void remove(String host, String type, byte[] key) {
    knownHosts.remove(host, type, key);
  }

  @Override
  public String getKnownHostsRepositoryID() {
    return knownHosts.getKnownHostsRepositoryID();
  }

  @Override
  public HostKey[] getHostKey() {
    return knownHosts.getHostKey();
  }

  @Override
  public HostKey[] getHostKey(String host, String type) {
    return knownHosts.getHostKey(host, type);
  }
}
