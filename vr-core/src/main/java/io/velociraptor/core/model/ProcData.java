package io.velociraptor.core.model;

import com.fasterxml.jackson.annotation.JsonAlias;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.immutables.value.Value;

/**
 * A proc.yaml: everything the runner needs to set up and run one proc. Keeps the original's keys
 * (files it wrote load here; unknown keys are ignored) and adds {@code swarm_id},
 * {@code build_sha256} and {@code image_sha256}. Every key is optional except that one of {@code proc_name} and
 * {@code cmd} must be present; the legacy key {@code proc} is read as {@code proc_name}.
 */
@Value.Immutable
@JsonSerialize(as = ImmutableProcData.class)
@JsonDeserialize(as = ImmutableProcData.class)
public interface ProcData {
  /** The app's name. */
  Optional<String> appName();

  /** The build's version. */
  Optional<String> version();

  /** The config name. */
  Optional<String> configName();

  /** The release hash. */
  Optional<String> releaseHash();

  /** The proc type, looked up in the build's Procfile when {@link #cmd()} is absent. */
  @JsonAlias("proc")
  Optional<String> procName();

  /** The port ({@code 0} for build and shell containers). */
  OptionalInt port();

  /** The host name the proc runs on (uptests reach it there). */
  Optional<String> host();

  /** The Unix user the proc runs as. */
  @Value.Default
  default String user() {
    return "nobody";
  }

  /** The Unix group the proc runs as. */
  @Value.Default
  default String group() {
    return "nogroup";
  }

  /** The proc's env. */
  @Value.Default
  default Env env() {
    return Env.empty();
  }

  /** The app's settings. */
  @Value.Default
  default Settings settings() {
    return Settings.empty();
  }

  /** Where the build tarball is (a path or a URL the runner can read). */
  Optional<String> buildUrl();

  /** The tarball's md5. */
  Optional<String> buildMd5();

  /** The tarball's sha256. */
  Optional<String> buildSha256();

  /** The host directories bound into the proc's container. */
  List<Volume> volumes();

  /** The memory limit. */
  Optional<MemoryLimit> memLimit();

  /** The memory+swap limit. */
  Optional<MemoryLimit> memswLimit();

  /** The OS image's name. */
  Optional<String> imageName();

  /** Where the OS image tarball is. */
  Optional<String> imageUrl();

  /** The OS image tarball's md5. */
  Optional<String> imageMd5();

  /** The OS image tarball's sha256 (vr only). */
  Optional<String> imageSha256();

  /** A command line to run instead of the Procfile's line for {@link #procName()}. */
  Optional<String> cmd();

  /** The swarm's stable id (vr only). */
  Optional<SwarmId> swarmId();

  /**
   * Returns the program (and container) name: vr's seven-field form when the swarm id is known,
   * else the original's {@code app-version-config-hash-proc-port}.
   *
   * @return the program (and container) name: vr's seven-field form when the swarm id is known,
   *     else the original's {@code app-version-config-hash-proc-port}
   */
  default String programName() {
    String base = appName().orElse("") + "-" + version().map(Version::nameForm).orElse("") + "-"
        + configName().orElse("") + "-" + releaseHash().orElse("") + "-" + procName().orElse("")
        + "-" + port().orElse(0);
    return swarmId().map(id -> base + "-" + id).orElse(base);
  }

  /** A new builder for a {@link ProcData}. */
  static ImmutableProcData.Builder builder() {
    return ImmutableProcData.builder();
  }

  /**
   * Copy with changes: {@code x.toBuilder().field(value).build()} is {@code x} with that field
   * changed, validated as a new value is.
   *
   * @return a builder holding this value's fields
   */
  default ImmutableProcData.Builder toBuilder() {
    return ImmutableProcData.builder().from(this);
  }

  /** Rejects a proc.yaml without proc_name and cmd, and path-unsafe names, users and hashes. */
  @Value.Check
  default void check() {
    if (procName().isEmpty() && cmd().isEmpty()) {
      throw InvalidValueException.of("proc.yaml", "proc_name", "one of proc_name and cmd is required");
    }
    appName().ifPresent(v -> pathSafe("app_name", v));
    version().ifPresent(v -> pathSafe("version", v));
    configName().ifPresent(v -> pathSafe("config_name", v));
    releaseHash().ifPresent(v -> pathSafe("release_hash", v));
    procName().ifPresent(v -> pathSafe("proc_name", v));
    imageName().ifPresent(v -> pathSafe("image_name", v));
    host().ifPresent(v -> Checks.text("host", v));
    cmd().ifPresent(v -> Checks.text("cmd", v));
    Checks.user("user", user());
    Checks.user("group", group());
    if (port().isPresent() && (port().getAsInt() < 0 || port().getAsInt() > 65535)) {
      throw InvalidValueException.of("port", port().getAsInt(), "must be between 0 and 65535");
    }
    buildMd5().ifPresent(h -> Checks.hex("build_md5", h, 32));
    buildSha256().ifPresent(h -> Checks.hex("build_sha256", h, 64));
    imageMd5().ifPresent(h -> Checks.hex("image_md5", h, 32));
    imageSha256().ifPresent(h -> Checks.hex("image_sha256", h, 64));
    buildUrl().ifPresent(v -> Checks.text("build_url", v));
    imageUrl().ifPresent(v -> Checks.text("image_url", v));
  }

  private static void pathSafe(String field, String value) {
    Checks.text(field, value);
    if (value.indexOf('/') >= 0 || value.equals(".") || value.equals("..") || value.indexOf('\\') >= 0) {
      throw InvalidValueException.of(field, value, "must not contain a slash or be . or .. (it names files on the host)");
    }
  }
}
