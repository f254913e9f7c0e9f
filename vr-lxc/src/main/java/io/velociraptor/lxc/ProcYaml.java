package io.velociraptor.lxc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The runner's validated view of a proc.yaml (the original's keys plus {@code swarm_id} and
 * {@code build_sha256}). Every key is optional except that one of {@code proc_name} and
 * {@code cmd} is required; unknown keys are ignored, so files written by the original load.
 */
final class ProcYaml {
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.]{1,64}");
  static final Pattern ENV_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  static final Pattern USER = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]{0,31}\\$?|[0-9]{1,10}");
  static final Pattern HEX = Pattern.compile("[0-9a-fA-F]+");
  static final Pattern HOST = Pattern.compile("[A-Za-z0-9_.:-]{1,253}");

  final Optional<String> appName;
  final Optional<String> version;
  final Optional<String> configName;
  final Optional<String> releaseHash;
  final Optional<String> procName;
  final Optional<String> cmd;
  final int port;
  final Optional<String> host;
  final String user;
  final Optional<String> group;
  final Map<String, String> env;
  final JsonNode settings;
  final Optional<String> buildUrl;
  final Optional<String> buildMd5;
  final Optional<String> buildSha256;
  final List<VolumeSpec> volumes;
  final Optional<Long> memLimit;
  final Optional<Long> memswLimit;
  final Optional<String> imageName;
  final Optional<String> imageUrl;
  final Optional<String> imageMd5;
  final Optional<String> imageSha256;
  final Optional<String> swarmId;

  /** One volume: a host directory bind-mounted at an absolute container directory. */
  record VolumeSpec(String hostDir, String containerDir, boolean readOnly) {}

  private ProcYaml(JsonNode n, Map<String, String> hostEnv) {
    appName = name(n, "app_name");
    version = text(n, "version");
    configName = name(n, "config_name");
    releaseHash = text(n, "release_hash").map(h -> checkHex("release_hash", h));
    Optional<String> pn = name(n, "proc_name");
    procName = pn.isPresent() ? pn : name(n, "proc");
    cmd = text(n, "cmd");
    if (procName.isEmpty() && cmd.isEmpty()) {
      throw RunnerException.failed("proc_name",
          "proc.yaml needs proc_name or cmd; it has neither, so there is nothing to run");
    }
    cmd.ifPresent(c -> noNul("cmd", c));
    port = port(n);
    host = text(n, "host").map(h -> check("host", h, HOST, "is not a host name or address"));
    user = text(n, "user").map(u -> check("user", u, USER, "is not a valid user name or uid"))
        .orElse("nobody");
    group = text(n, "group").map(g -> check("group", g, USER, "is not a valid group name or gid"));
    env = env(n, hostEnv);
    JsonNode s = n.get("settings");
    settings = s == null || s.isNull() ? NullNode.getInstance() : s;
    buildUrl = text(n, "build_url");
    buildMd5 = text(n, "build_md5").map(h -> checkDigest("build_md5", h, 32));
    buildSha256 = text(n, "build_sha256").map(h -> checkDigest("build_sha256", h, 64));
    volumes = volumes(n);
    memLimit = text(n, "mem_limit").map(v -> Sizes.parseBytes("mem_limit", v));
    memswLimit = text(n, "memsw_limit").map(v -> Sizes.parseBytes("memsw_limit", v));
    if (memLimit.isPresent() && memswLimit.isPresent() && memswLimit.get() < memLimit.get()) {
      throw RunnerException.badValue("memsw_limit", text(n, "memsw_limit").get(),
          "is below mem_limit " + text(n, "mem_limit").get()
              + "; memory+swap must be at least the memory limit");
    }
    imageName = name(n, "image_name");
    imageUrl = text(n, "image_url");
    imageMd5 = text(n, "image_md5").map(h -> checkDigest("image_md5", h, 32));
    imageSha256 = text(n, "image_sha256").map(h -> checkDigest("image_sha256", h, 64));
    swarmId = text(n, "swarm_id").map(
        v -> check("swarm_id", v, Pattern.compile("[a-z2-7]{8}"), "is not 8 characters of [a-z2-7]"));
  }

  /** Parses proc.yaml text; {@code hostEnv} resolves the original's {@code $NAME} env values. */
  static ProcYaml parse(String yaml, Map<String, String> hostEnv) {
    JsonNode n;
    try {
      n = new ObjectMapper(new YAMLFactory()).readTree(yaml);
    } catch (IOException e) {
      throw RunnerException.failed("proc.yaml", "proc.yaml is not valid YAML: " + e.getMessage(), e);
    }
    if (n == null || !n.isObject()) {
      throw RunnerException.failed("proc.yaml", "proc.yaml must be a YAML mapping of keys to values");
    }
    return new ProcYaml(n, hostEnv);
  }

  static ProcYaml read(Path file, Map<String, String> hostEnv) {
    try {
      return parse(Files2.readSmallText(file, 1 << 20), hostEnv);
    } catch (RunnerException e) {
      throw new RunnerException(e.subject(), e.badValue().orElse(null),
          file + ": " + e.getMessage(), e);
    }
  }

  /** The Procfile key to run, or "run" with an explicit cmd. */
  String procNameOrRun() {
    return procName.orElse("run");
  }

  private static Optional<String> text(JsonNode n, String key) {
    JsonNode v = n.get(key);
    if (v == null || v.isNull()) {
      return Optional.empty();
    }
    if (!v.isValueNode()) {
      throw RunnerException.badValue(key, v.toString(), "must be a single value, not a list or map");
    }
    if (v.isNumber() && (key.endsWith("_md5") || key.endsWith("_sha256") || key.equals("release_hash"))) {
      throw RunnerException.badValue(key, v.asText(),
          "is a YAML number; quote it ('...') so its leading zeros survive");
    }
    String s = v.asText();
    return s.isEmpty() ? Optional.empty() : Optional.of(s);
  }

  private static Optional<String> name(JsonNode n, String key) {
    return text(n, key).map(v -> check(key, v, NAME,
        "may hold only letters, digits, '_' and '.' (1 to 64 of them)"));
  }

  static String check(String key, String v, Pattern p, String why) {
    if (!p.matcher(v).matches()) {
      throw RunnerException.badValue(key, v, why);
    }
    return v;
  }

  private static String checkHex(String key, String v) {
    return check(key, v, HEX, "is not hexadecimal");
  }

  private static String checkDigest(String key, String v, int len) {
    if (v.length() != len || !HEX.matcher(v).matches()) {
      throw RunnerException.badValue(key, v, "is not " + len + " hexadecimal characters");
    }
    return v.toLowerCase(java.util.Locale.ROOT);
  }

  private static void noNul(String key, String v) {
    if (v.indexOf('\0') >= 0) {
      throw RunnerException.badValue(key, v, "contains a NUL character");
    }
  }

  private static int port(JsonNode n) {
    JsonNode v = n.get("port");
    if (v == null || v.isNull()) {
      return 0;
    }
    String s = v.asText();
    int p;
    try {
      p = Integer.parseInt(s.trim());
    } catch (NumberFormatException e) {
      throw RunnerException.badValue("port", s, "is not a number");
    }
    if (p < 0 || p > 65535) {
      throw RunnerException.badValue("port", s, "is outside 0..65535");
    }
    return p;
  }

  private static Map<String, String> env(JsonNode n, Map<String, String> hostEnv) {
    JsonNode e = n.get("env");
    if (e == null || e.isNull()) {
      return Map.of();
    }
    if (!e.isObject()) {
      throw RunnerException.badValue("env", e.toString(), "must be a mapping of names to values");
    }
    Map<String, String> out = new TreeMap<>();
    for (Map.Entry<String, JsonNode> f : e.properties()) {
      String key = f.getKey();
      check("env key", key, ENV_KEY, "is not a valid environment variable name");
      JsonNode v = f.getValue();
      if (!v.isNull() && !v.isValueNode()) {
        throw RunnerException.badValue("env." + key, v.toString(), "must be a single value");
      }
      String value = v.isNull() ? "" : v.asText();
      // the original's feature: "$NAME" takes the host's NAME at setup time
      if (value.startsWith("$") && ENV_KEY.matcher(value.substring(1)).matches()) {
        value = hostEnv.getOrDefault(value.substring(1), "");
      }
      noNul("env." + key, value);
      out.put(key, value);
    }
    return Collections.unmodifiableMap(out);
  }

  private static List<VolumeSpec> volumes(JsonNode n) {
    JsonNode vs = n.get("volumes");
    if (vs == null || vs.isNull()) {
      return List.of();
    }
    if (!vs.isArray()) {
      throw RunnerException.badValue("volumes", vs.toString(),
          "must be a list of [host_dir, container_dir] or [host_dir, container_dir, \"ro\"]");
    }
    List<VolumeSpec> out = new ArrayList<>();
    for (JsonNode v : vs) {
      if (!v.isArray() || v.size() < 2 || v.size() > 3
          || !v.get(0).isTextual() || !v.get(1).isTextual()
          || (v.size() == 3 && !"ro".equals(v.get(2).asText()) && !"rw".equals(v.get(2).asText()))) {
        throw RunnerException.badValue("volumes", v.toString(),
            "is not [host_dir, container_dir] or [host_dir, container_dir, \"ro\"]");
      }
      String hostDir = absoluteNormal("volume host dir", v.get(0).asText());
      String containerDir = absoluteNormal("volume container dir", v.get(1).asText());
      for (String reserved : List.of("/", "/app", "/vr", "/proc", "/sys", "/dev", "/tmp")) {
        if (containerDir.equals(reserved)
            || (!reserved.equals("/") && !reserved.equals("/app")
                && !reserved.equals("/tmp") && containerDir.startsWith(reserved + "/"))) {
          throw RunnerException.badValue("volume container dir", containerDir,
              "is reserved by the runner; mount volumes elsewhere");
        }
      }
      out.add(new VolumeSpec(hostDir, containerDir, v.size() == 3 && "ro".equals(v.get(2).asText())));
    }
    out.sort(java.util.Comparator.comparing(VolumeSpec::containerDir));
    return List.copyOf(out);
  }

  /** Accepts only absolute, already-normalised paths without whitespace or control characters. */
  static String absoluteNormal(String key, String p) {
    if (!p.startsWith("/")) {
      throw RunnerException.badValue(key, p, "must be an absolute path");
    }
    for (char c : p.toCharArray()) {
      if (Character.isWhitespace(c) || Character.isISOControl(c) || c == '\\' || c == ',') {
        throw RunnerException.badValue(key, p,
            "contains whitespace, a control character, ',' or '\\'; such paths cannot be mounted safely");
      }
    }
    String norm = Path.of(p).normalize().toString();
    if (!norm.equals(p) || p.contains("/./") || p.endsWith("/.") || p.contains("/../")
        || p.endsWith("/..")) {
      throw RunnerException.badValue(key, p, "is not normalised (no '.', '..', '//' or trailing '/')");
    }
    return p;
  }
}
