package io.velociraptor.core.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * Release hashes. vr's: SHA-256 over the compact canonical JSON (sorted keys, {@code ,} and
 * {@code :}) of the array {@code [build_hash, settings, env, volumes, run_as, mem_limit,
 * memsw_limit]} (volumes in wire form, sorted; absent limits as {@code null}), the first 12 hex
 * characters. Map key order never changes it. {@link LegacyReleaseHash} reproduces the original's.
 */
public final class ReleaseHashes {
  private ReleaseHashes() {}

  /**
   * Returns vr's release hash (12 hex characters).
   *
   * @param buildHash the build's tarball hash
   * @param settings merged settings
   * @param env merged env
   * @param volumes volumes
   * @param runAs the run-as user
   * @param memLimit the memory limit
   * @param memswLimit the memory+swap limit
   * @return vr's release hash (12 hex characters)
   */
  public static ReleaseHash of(String buildHash, Settings settings, Env env, List<Volume> volumes,
      String runAs, Optional<MemoryLimit> memLimit, Optional<MemoryLimit> memswLimit) {
    List<Object> wire = new ArrayList<>();
    for (Volume v : volumes.stream().sorted().toList()) {
      wire.add(v.toWire());
    }
    String text = CanonicalJson.COMPACT.write(Arrays.asList(
        buildHash, settings.asMap(), env.asMap(), wire, runAs,
        memLimit.map(MemoryLimit::format).orElse(null), memswLimit.map(MemoryLimit::format).orElse(null)));
    return ReleaseHash.of(HexFormat.of().formatHex(digest("SHA-256", text)).substring(0, 12));
  }

  private static byte[] digest(String algorithm, String text) {
    try {
      return MessageDigest.getInstance(algorithm).digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks " + algorithm, e);
    }
  }
}
