package io.velociraptor.examples.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The one-host {@code vr.yaml} the CLI tests run against: host {@code h1} on 127.0.0.1 in squad
 * {@code s}, the store in {@code store} and the runner's root in {@code apps} under the test's
 * directory, the runner not installed. Options add the host's supervisord port (or a dead one,
 * where connecting is refused at once), a port range, the local app {@code app1} (from {@code
 * src}, created) and a supervisor section.
 */
final class CliConfigFixture {
  private final Path dir;
  private Optional<Integer> supervisorPort = Optional.empty();
  private Optional<String> portRange = Optional.empty();
  private Optional<String> supervisor = Optional.empty();
  private boolean localApp;

  private CliConfigFixture(Path dir) {
    this.dir = dir;
  }

  /** @return a config for a test whose files live in {@code dir} */
  static CliConfigFixture in(Path dir) {
    return new CliConfigFixture(dir);
  }

  /** h1's supervisord listens on {@code port}. */
  CliConfigFixture supervisorPort(int port) {
    supervisorPort = Optional.of(port);
    return this;
  }

  /** h1's supervisord port has nothing listening on it: connecting is refused at once. */
  CliConfigFixture deadSupervisorPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return supervisorPort(s.getLocalPort()); // closed again when this returns
    }
  }

  /** h1's port range, {@code FROM-TO}. */
  CliConfigFixture portRange(String range) {
    portRange = Optional.of(range);
    return this;
  }

  /** The app {@code app1}, built from the local directory {@code src} (created). */
  CliConfigFixture localApp() {
    localApp = true;
    return this;
  }

  /** A supervisor section: the XML-RPC user {@code vr} with that password, and the include dir. */
  CliConfigFixture supervisor(String password, Path includeDir) {
    supervisor = Optional.of("supervisor:\n  username: vr\n  password: " + password
        + "\n  include_dir: " + includeDir + "\n");
    return this;
  }

  /**
   * Writes {@code vr.yaml} into the directory.
   *
   * @return its path
   */
  Path write() throws IOException {
    StringBuilder b = new StringBuilder("store_dir: store\n");
    supervisor.ifPresent(b::append);
    b.append("runner:\n  root: ").append(dir.resolve("apps")).append("\n  install: false\n");
    b.append("hosts:\n  - name: h1\n    address: 127.0.0.1\n");
    supervisorPort.ifPresent(p -> b.append("    supervisor_port: ").append(p).append('\n'));
    portRange.ifPresent(r -> b.append("    port_range: ").append(r).append('\n'));
    b.append("squads:\n  - name: s\n    hosts: [h1]\n");
    if (localApp) {
      Files.createDirectories(dir.resolve("src"));
      b.append("apps:\n  - name: app1\n    repo_type: local\n    repo_url: src\n");
    }
    Path config = dir.resolve("vr.yaml");
    Files.writeString(config, b.toString());
    return config;
  }

  /** What one {@code vr} run printed and returned. */
  record Result(int exit, String out, String err) {}

  /** Runs {@code vr} in-process with its own stdout and stderr writers. */
  static Result vr(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int exit = VrMain.run(new PrintWriter(out), new PrintWriter(err), args);
    return new Result(exit, out.toString(), err.toString());
  }

  /** Runs {@code vr --config CONFIG ARGS...} in-process. */
  static Result vr(Path config, String... args) {
    List<String> all = new ArrayList<>(List.of("--config", config.toString()));
    all.addAll(List.of(args));
    return vr(all.toArray(String[]::new));
  }
}
