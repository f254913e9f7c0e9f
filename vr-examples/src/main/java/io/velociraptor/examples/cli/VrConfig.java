package io.velociraptor.examples.cli;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.model.App;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.BalancerName;
import io.velociraptor.core.model.Buildpack;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.PortRange;
import io.velociraptor.core.model.Squad;
import io.velociraptor.core.model.SquadName;
import io.velociraptor.core.deploy.FleetConfig;
import io.velociraptor.core.VrException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The {@code vr} tool's one configuration file (YAML): hosts and squads with their Supervisor
 * endpoints, SSH settings, port ranges, the runtime, balancers, the store (a directory, or a
 * PostgreSQL database: {@link StoreConfig}) and artifact
 * directories, and the apps. {@link #load(Path)} validates every field; a mistake is a {@link
 * ConfigException} naming the field ({@code hosts[1].port_range}) and the bad value. The
 * documented example is {@code docs/vr.example.yaml}.
 */
public final class VrConfig {
  /** The runtime procs are started with. */
  public enum Runtime {
    /** plain processes (no isolation) */
    PLAIN,
    /** LXC containers (needs root) */
    LXC
  }

  /** A balancer entry. */
  record BalancerConfig(BalancerName name, String type, String host, String poolsDir, String nginx,
      Optional<String> configFile, Optional<String> prefix, String pidFile) {}

  /** SSH settings for hosts that are not this machine. */
  record SshConfig(String user, int port, Optional<Path> keyFile, Optional<Path> knownHosts, Duration connectTimeout) {}

  final Path file;
  final Path storeDir;
  /** Where the state is: the file store in {@link #storeDir} (the default) or a PostgreSQL database. */
  final StoreConfig store;
  final Path artifactDir;
  final Path buildDir;
  final Optional<String> buildUser;
  final boolean buildInRuntime;
  final boolean buildNetwork;
  final List<Buildpack> buildpacks;
  final Runtime runtime;
  final String runnerLauncher;
  final String runnerRoot;
  final boolean installRunner;
  final Duration setupTimeout;
  final Duration uptestTimeout;
  final Optional<String> supervisorUser;
  final Optional<String> supervisorPassword;
  final String includeDir;
  final Duration supervisorTimeout;
  final SshConfig ssh;
  final FleetConfig fleet;
  final java.util.Map<HostName, String> hostIncludeDirs;
  /** The hosts reached over SSH: by default those whose address is not this machine's loopback. */
  final Set<HostName> sshHosts;
  final List<BalancerConfig> balancers;
  final List<App> apps;
  final io.velociraptor.examples.server.ServeSettings serve;

  private VrConfig(Path file, Fields f) {
    this.file = file;
    Path base = file.toAbsolutePath().getParent();
    this.storeDir = base.resolve(f.required("store_dir")).normalize();
    this.store = f.object("store").map(s -> StoreConfig.parse(s, base)).orElse(StoreConfig.file());
    this.artifactDir = f.string("artifact_dir").map(s -> base.resolve(s).normalize()).orElse(storeDir.resolve("artifacts"));
    this.buildDir = f.string("build_dir").map(s -> base.resolve(s).normalize()).orElse(storeDir.resolve("builds"));
    this.buildUser = f.string("build_user");
    this.buildInRuntime = f.oneOf("build_isolation", "user", "user", "runtime").equals("runtime");
    this.buildNetwork = f.bool("build_network", false);
    List<Buildpack> bps = new ArrayList<>();
    List<String> bpTexts = f.strings("buildpacks");
    for (int i = 0; i < bpTexts.size(); i++) {
      bps.add(parseBuildpack(f, "buildpacks[" + i + "]", bpTexts.get(i), base));
    }
    this.buildpacks = List.copyOf(bps);
    this.runtime = Runtime.valueOf(f.oneOf("runtime", "plain", "plain", "lxc").toUpperCase(java.util.Locale.ROOT));

    Fields runner = f.object("runner").orElseGet(() -> new Fields(file.toString(), "runner", java.util.Map.of()));
    this.runnerRoot = absolute(runner, "root", runner.string("root").orElse("/apps"));
    this.runnerLauncher = absolute(runner, "launcher", runner.string("launcher").orElse(runnerRoot + "/bin/vr-runner"));
    this.installRunner = runner.bool("install", true);
    this.setupTimeout = Duration.ofSeconds(runner.integer("setup_timeout_seconds", 120, 1, 3600));
    this.uptestTimeout = Duration.ofSeconds(runner.integer("uptest_timeout_seconds", 30, 1, 3600));
    runner.noOthers();

    Fields sup = f.object("supervisor").orElseGet(() -> new Fields(file.toString(), "supervisor", java.util.Map.of()));
    this.supervisorUser = sup.string("username");
    this.supervisorPassword = sup.string("password");
    if (supervisorUser.isPresent() != supervisorPassword.isPresent()) {
      throw sup.error(supervisorUser.isPresent() ? "password" : "username", "is required when the other credential is given");
    }
    this.includeDir = absolute(sup, "include_dir", sup.string("include_dir").orElse("/etc/supervisor/conf.d"));
    this.supervisorTimeout = Duration.ofMillis(sup.integer("timeout_millis", 10_000, 100, 600_000));
    sup.noOthers();

    Fields ssh = f.object("ssh").orElseGet(() -> new Fields(file.toString(), "ssh", java.util.Map.of()));
    this.ssh = new SshConfig(ssh.string("user").orElse("root"), ssh.integer("port", 22, 1, 65535),
        ssh.string("key_file").map(s -> base.resolve(s).normalize()),
        ssh.string("known_hosts").map(s -> base.resolve(s).normalize()),
        Duration.ofSeconds(ssh.integer("connect_timeout_seconds", 10, 1, 600)));
    ssh.noOthers();

    List<Host> hosts = new ArrayList<>();
    java.util.Map<HostName, String> includeDirs = new java.util.TreeMap<>();
    Set<HostName> overSsh = new java.util.TreeSet<>();
    Set<HostName> hostNames = new HashSet<>();
    for (Fields h : f.objects("hosts")) {
      HostName name = h.value("name", HostName::of).orElseThrow(() -> h.error("name", "is required"));
      if (!hostNames.add(name)) {
        throw h.error("name", "\"" + name + "\" is configured twice");
      }
      String address = h.string("address").orElse(name.value());
      String bad = addressProblem(address);
      if (bad != null) {
        throw h.error("address", "\"" + address + "\" is not a valid host address: " + bad);
      }
      var b = Host.builder().name(name).address(address)
          .active(h.bool("active", true))
          .supervisorPort(h.integer("supervisor_port", 9001, 1, 65535));
      h.value("port_range", VrConfig::portRange).ifPresent(b::portRange);
      h.string("include_dir").ifPresent(d -> includeDirs.put(name, absolute(h, "include_dir", d)));
      Host host;
      try {
        host = b.build();
      } catch (VrException e) {
        throw h.error("address", "is not valid: " + e.getMessage());
      }
      for (int j = 0; j < hosts.size(); j++) {
        String conflict = conflict(hosts.get(j), host, includeDirs);
        if (conflict != null) {
          throw h.error("name", "\"" + name + "\" " + conflict + " as hosts[" + j + "] \"" + hosts.get(j).name() + "\"");
        }
      }
      if (host.portRange().contains(host.supervisorPort())) {
        throw h.error("port_range", "\"" + host.portRange() + "\" holds the host's supervisor_port " + host.supervisorPort()
            + ": procs would be given the supervisor's port");
      }
      hosts.add(host);
      if (h.bool("ssh", !isLoopback(host.address()))) {
        overSsh.add(name);
      }
      h.noOthers();
    }
    if (hosts.isEmpty()) {
      throw f.error("hosts", "must list at least one host");
    }
    List<Squad> squads = new ArrayList<>();
    Set<SquadName> squadNames = new HashSet<>();
    Set<HostName> inSquads = new HashSet<>();
    for (Fields s : f.objects("squads")) {
      SquadName name = s.value("name", SquadName::of).orElseThrow(() -> s.error("name", "is required"));
      if (!squadNames.add(name)) {
        throw s.error("name", "\"" + name + "\" is configured twice");
      }
      List<String> members = s.strings("hosts");
      List<HostName> hs = new ArrayList<>();
      for (int i = 0; i < members.size(); i++) {
        String m = members.get(i);
        HostName hn;
        try {
          hn = HostName.of(m);
        } catch (VrException e) {
          throw s.error("hosts[" + i + "]", "\"" + m + "\" is not a host name");
        }
        if (!hostNames.contains(hn)) {
          throw s.error("hosts[" + i + "]", "\"" + m + "\" is not a configured host (hosts: " + sorted(hostNames) + ")");
        }
        if (hs.contains(hn)) {
          throw s.error("hosts[" + i + "]", "\"" + m + "\" is listed twice");
        }
        if (!inSquads.add(hn)) {
          throw s.error("hosts[" + i + "]", "\"" + m + "\" is already in another squad (a host belongs to one squad)");
        }
        hs.add(hn);
      }
      squads.add(Squad.builder().name(name).addAllHosts(hs).build());
      s.noOthers();
    }
    this.fleet = FleetConfig.of(hosts, squads);
    this.hostIncludeDirs = java.util.Map.copyOf(includeDirs);
    this.sshHosts = java.util.Collections.unmodifiableSet(overSsh);

    List<BalancerConfig> bals = new ArrayList<>();
    Set<BalancerName> balNames = new HashSet<>();
    for (Fields b : f.objects("balancers")) {
      BalancerName name = b.value("name", BalancerName::of).orElseThrow(() -> b.error("name", "is required"));
      if (!balNames.add(name)) {
        throw b.error("name", "\"" + name + "\" is configured twice");
      }
      String type = b.oneOf("type", "nginx", "nginx", "memory");
      String host = b.string("host").orElse(hosts.get(0).name().value());
      if (!hostNames.contains(HostName.of(host))) {
        throw b.error("host", "\"" + host + "\" is not a configured host");
      }
      String poolsDir = type.equals("nginx") ? absolute(b, "pools_dir", b.required("pools_dir")) : "";
      bals.add(new BalancerConfig(name, type, host, poolsDir,
          absolute(b, "nginx", b.string("nginx").orElse("/usr/sbin/nginx")),
          b.string("config_file").map(p -> absolute(b, "config_file", p)),
          b.string("prefix").map(p -> absolute(b, "prefix", p)),
          absolute(b, "pid_file", b.string("pid_file").orElse("/run/nginx.pid"))));
      b.noOthers();
    }
    this.balancers = List.copyOf(bals);

    List<App> appList = new ArrayList<>();
    for (Fields a : f.objects("apps")) {
      AppName name = a.value("name", AppName::of).orElseThrow(() -> a.error("name", "is required"));
      String type = a.oneOf("repo_type", "git", "git", "local");
      String url = a.required("repo_url");
      if (type.equals("local")) {
        url = base.resolve(url).normalize().toString();
      }
      var ab = App.builder().name(name).repoUrl(url).repoType(type.equals("local") ? App.RepoType.LOCAL : App.RepoType.GIT);
      List<String> abps = a.strings("buildpacks");
      for (int i = 0; i < abps.size(); i++) {
        ab.addBuildpacks(parseBuildpack(a, "buildpacks[" + i + "]", abps.get(i), base));
      }
      appList.add(ab.build());
      a.noOthers();
    }
    appList.sort((x, y) -> x.name().value().compareTo(y.name().value()));
    this.apps = List.copyOf(appList);
    this.serve = f.object("serve").map(s -> serve(s, base)).orElseGet(io.velociraptor.examples.server.ServeSettings::defaults);
    f.noOthers();
  }

  /** The {@code serve:} section: listen, tokens, tls, webhooks, reconcile; every field checked, unknown ones refused. */
  private static io.velociraptor.examples.server.ServeSettings serve(Fields s, Path base) {
    var d = io.velociraptor.examples.server.ServeSettings.defaults();
    var listen = s.value("listen", t -> io.velociraptor.examples.server.ServeSettings.Listen.parse(t, true))
        .orElse(d.listen());
    List<io.velociraptor.examples.server.ServeSettings.ApiToken> tokens = new ArrayList<>();
    Set<String> tokenNames = new HashSet<>();
    Set<String> hashes = new HashSet<>();
    for (Fields t : s.objects("tokens")) {
      String name = t.required("name");
      if (!name.matches("[A-Za-z0-9_.@-]{1,64}")) {
        throw t.error("name", "\"" + name + "\" must be 1 to 64 letters, digits, '_', '.', '@' or '-'");
      }
      if (!tokenNames.add(name)) {
        throw t.error("name", "\"" + name + "\" is configured twice");
      }
      String sha = t.required("sha256").toLowerCase(java.util.Locale.ROOT);
      if (!sha.matches("[0-9a-f]{64}")) {
        // the value is not echoed: a token pasted here by mistake must not reach a log
        throw t.error("sha256", "must be 64 hex digits, the SHA-256 of the token (`vr serve hash-token` prints it);"
            + " never the token itself");
      }
      if (!hashes.add(sha)) {
        throw t.error("sha256", "is the hash of another token too (each token needs its own)");
      }
      var role = t.value("role", io.velociraptor.examples.server.Role::parse).orElseThrow(() -> t.error("role",
          "is required (read, deploy or admin)"));
      tokens.add(new io.velociraptor.examples.server.ServeSettings.ApiToken(name, sha, role));
      t.noOthers();
    }
    Optional<io.velociraptor.examples.server.ServeSettings.Tls> tls = s.object("tls").map(t -> {
      var x = new io.velociraptor.examples.server.ServeSettings.Tls(base.resolve(t.required("keystore")).normalize(),
          base.resolve(t.required("password_file")).normalize());
      t.noOthers();
      return x;
    });
    List<io.velociraptor.examples.server.WebhookSettings> hooks = new ArrayList<>();
    for (Fields w : s.objects("webhooks")) {
      java.net.URI url = w.value("url", java.net.URI::create).orElseThrow(() -> w.error("url", "is required"));
      if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme()) || url.getHost() == null) {
        throw w.error("url", "\"" + url + "\" must be an http:// or https:// URL with a host");
      }
      Set<String> events = new java.util.TreeSet<>();
      List<String> es = w.strings("events");
      for (int i = 0; i < es.size(); i++) {
        if (!es.get(i).matches("[a-z][a-z_]*")) {
          throw w.error("events[" + i + "]", "\"" + es.get(i) + "\" is not an event type (run_done, run_failed, ...)");
        }
        events.add(es.get(i));
      }
      Path secret = base.resolve(w.required("secret_file")).normalize();
      hooks.add(new io.velociraptor.examples.server.WebhookSettings(url, events, secret));
      w.noOthers();
    }
    var rd = d.reconcile();
    var reconcile = s.object("reconcile").map(r -> {
      var x = new io.velociraptor.examples.server.ReconcileSettings(
          Duration.ofSeconds(r.integer("interval", (int) rd.interval().toSeconds(), 1, 86_400)),
          Duration.ofSeconds(r.integer("host_grace", (int) rd.hostGrace().toSeconds(), 1, 86_400)),
          Duration.ofSeconds(r.integer("uptest_interval", (int) rd.uptestInterval().toSeconds(), 1, 86_400)),
          r.integer("uptest_failures", rd.uptestFailures(), 1, 100));
      r.noOthers();
      return x;
    }).orElse(rd);
    s.noOthers();
    return new io.velociraptor.examples.server.ServeSettings(listen, tokens, tls, hooks, reconcile);
  }

  /**
   * Reads and validates a config file.
   *
   * @param file the YAML file
   * @return the config
   * @throws ConfigException naming the file, the field and the bad value
   */
  public static VrConfig load(Path file) {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ConfigException(file.toString(), "the file", "does not exist (pass --config FILE or set VR_CONFIG;"
          + " docs/vr.example.yaml is a documented example)");
    } catch (java.nio.charset.CharacterCodingException e) {
      throw new ConfigException(file.toString(), "the file", "is not UTF-8 text (a YAML config file is expected)");
    } catch (IOException e) {
      throw new ConfigException(file.toString(), "the file", "cannot be read: " + e.getMessage());
    }
    Object tree;
    try {
      tree = VrJson.readYaml(text, Object.class);
    } catch (VrException e) {
      throw new ConfigException(file.toString(), "the document", "is not valid YAML: " + e.getMessage());
    }
    return new VrConfig(file, Fields.root(file.toString(), tree));
  }

  /** @return the apps, by name */
  public List<App> apps() {
    return apps;
  }

  /** @return the hosts and squads */
  public FleetConfig fleet() {
    return fleet;
  }

  /** @return the {@code serve:} section, or its defaults */
  public io.velociraptor.examples.server.ServeSettings serve() {
    return serve;
  }

  /** @return the store directory (the file store's; with a database store, the home of artifacts and builds) */
  public Path storeDir() {
    return storeDir;
  }

  /** @return the {@code store:} section: the file store (the default) or a PostgreSQL database */
  public StoreConfig store() {
    return store;
  }

  /** @return whether the address is this machine's loopback (such hosts are reached without SSH by default) */
  static boolean isLoopback(String address) {
    return Set.of("localhost", "127.0.0.1", "::1").contains(address);
  }

  /** @return whether vr reaches this host over SSH (else it runs commands locally) */
  boolean overSsh(Host host) {
    return sshHosts.contains(host.name());
  }

  /** @return where this host's supervisord includes program files from */
  String includeDir(Host host) {
    return hostIncludeDirs.getOrDefault(host.name(), includeDir);
  }

  Optional<App> app(AppName name) {
    return apps.stream().filter(a -> a.name().equals(name)).findFirst();
  }

  /**
   * @return why two hosts cannot both be configured (they would be one supervisord, or hand out the
   *     same ports on one machine), or null
   */
  private String conflict(Host a, Host b, java.util.Map<HostName, String> includeDirs) {
    if (!a.address().equalsIgnoreCase(b.address())) {
      return null;
    }
    if (a.supervisorPort() == b.supervisorPort()
        && includeDirs.getOrDefault(a.name(), includeDir).equals(includeDirs.getOrDefault(b.name(), includeDir))) {
      return "has the same address " + b.address() + ", supervisor_port " + b.supervisorPort() + " and include_dir";
    }
    PortRange x = a.portRange();
    PortRange y = b.portRange();
    if (x.start() < y.endExclusive() && y.start() < x.endExclusive()) {
      return "has a port_range " + y + " that overlaps, on the same address " + b.address() + ", the port_range " + x;
    }
    return null;
  }

  /** @return why the text is not a host name or IP address, or null when it is one */
  static String addressProblem(String address) {
    if (address.contains(":")) {
      // only an IPv6 literal has colons; "127.0.0.1:80" puts a port where none belongs
      if (address.chars().filter(c -> c == ':').count() >= 2 && address.matches("[0-9A-Fa-f:.]+")) {
        return null;
      }
      return "a port does not belong in the address (use supervisor_port, port_range or ssh.port)";
    }
    if (address.length() > 253) {
      return "longer than 253 characters";
    }
    for (String label : address.split("\\.", -1)) {
      if (label.isEmpty()) {
        return "it has an empty label (\"..\", or a dot at either end)";
      }
      if (!label.matches("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?")) {
        return "\"" + label + "\" is not a host name label (letters, digits and inner dashes, at most 63)";
      }
    }
    return null;
  }

  static PortRange portRange(String text) {
    String[] parts = text.trim().split("-");
    if (parts.length != 2) {
      throw new IllegalArgumentException("write it as START-END, e.g. 5000-6000 (END excluded)");
    }
    try {
      return PortRange.of(Integer.parseInt(parts[0].trim()), Integer.parseInt(parts[1].trim()));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("START and END must be port numbers");
    }
  }

  private static Buildpack parseBuildpack(Fields f, String key, String text, Path base) {
    String t = text;
    if (!t.contains("://") && !t.startsWith("git@")) {
      String[] urlRef = t.split("#", 2);
      t = base.resolve(urlRef[0]).normalize() + (urlRef.length > 1 ? "#" + urlRef[1] : "");
    }
    try {
      return Buildpack.parse(t);
    } catch (VrException e) {
      throw f.error(key, "\"" + text + "\" is not a buildpack URL: " + e.getMessage());
    }
  }

  private static String absolute(Fields f, String key, String path) {
    if (!path.startsWith("/") || path.contains("/../") || path.endsWith("/..")) {
      throw f.error(key, "\"" + path + "\" must be an absolute path without '..'");
    }
    return path;
  }

  private static String sorted(Set<HostName> names) {
    return String.join(", ", names.stream().map(HostName::value).sorted().toList());
  }
}
