package io.velociraptor.core.model;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The original Velociraptor's release hash, reproduced byte for byte (reference section 8.3) so
 * that procs it deployed can be matched to releases.
 */
public final class LegacyReleaseHash {
  private LegacyReleaseHash() {}

  /**
   * The original's {@code make_hash(*args)}: one MD5 fed, for each argument in turn, the UTF-8 of
   * {@code json.dumps(arg, sort_keys=True)} with Python's default separators and ASCII escaping.
   *
   * @param args strings, numbers, booleans, nulls, maps and lists
   * @return the full 32-hex-character digest
   */
  public static String makeHash(Object... args) {
    try {
      MessageDigest md5 = MessageDigest.getInstance("MD5");
      for (Object arg : args) {
        md5.update(CanonicalJson.PYTHON.write(arg).getBytes(StandardCharsets.UTF_8));
      }
      return HexFormat.of().formatHex(md5.digest());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK lacks MD5", e);
    }
  }

  /**
   * The original's release hash, {@code make_hash(build.hash, config_yaml, env_yaml, volumes,
   * run_as, mem_limit, memsw_limit)[:8]}; pass {@code null} where the original stored nothing.
   *
   * @param buildHash the original build's hash
   * @param settings config_yaml as a map, or null
   * @param env env_yaml as a map, or null
   * @param volumes volumes as a list of {@code [host, container]} lists, or null
   * @param runAs run_as, or null
   * @param memLimit mem_limit text, or null
   * @param memswLimit memsw_limit text, or null
   * @return 8 hex characters
   */
  public static String of(String buildHash, Object settings, Object env, Object volumes,
      String runAs, String memLimit, String memswLimit) {
    return makeHash(buildHash, settings, env, volumes, runAs, memLimit, memswLimit).substring(0, 8);
  }
}
