package io.velociraptor.examples.cli;

import io.velociraptor.core.local.FileTrees;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.PortRange;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The {@code vr procs} benchmark (not a test; run by {@code vr-examples/bench/procs-bench.sh}):
 * the wall time of {@code vr procs}, JVM start included, over three private supervisords holding
 * 67 programs (60 named as vr names its procs, 7 of other software), N runs each of: {@code ./vr}
 * (its class-data archive), {@code ./vr} with {@code VR_CDS=off}, and {@code java -jar vr.jar}
 * without flags. Prints the median, min and max of each and the load average.
 */
public final class ProcsBenchmark {
  private ProcsBenchmark() {}

  /**
   * @param args the number of runs of each variant (default 10); then {@code hold} to keep the
   *     supervisords up (until stdin ends) instead of measuring
   * @throws Exception if a supervisord cannot start or a run fails
   */
  public static void main(String[] args) throws Exception {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    Path script = Path.of("../vr").toAbsolutePath().normalize();
    Path dir = Files.createTempDirectory("vr-procs-bench-");
    try {
      List<Host> hosts = new ArrayList<>();
      int base = io.velociraptor.examples.ExampleFiles.freePortBlock(90);
      for (int i = 0; i < 3; i++) {
        String name = "h" + (i + 1);
        hosts.add(Host.builder().name(HostName.of(name)).address("127.0.0.1")
            .portRange(PortRange.of(base + 30 * i, base + 30 * (i + 1))).build());
        Path conf = Files.createDirectories(dir.resolve("sup").resolve(name).resolve("conf.d"));
        for (int p = 0; p < 20; p++) {
          int port = base + 30 * i + p;
          String program = "shop-v1-prod-0123456789ab-web-" + port + "-benchswa";
          Files.writeString(conf.resolve(program + ".conf"), "[program:" + program + "]\ncommand=/bin/sleep 100000\n"
              + "autostart=true\nstartsecs=0\n");
        }
        for (int f = 0; f < (i == 0 ? 3 : 2); f++) {
          Files.writeString(conf.resolve("other" + f + ".conf"), "[program:other-software-" + f
              + "]\ncommand=/bin/sleep 100000\nautostart=true\nstartsecs=0\n");
        }
      }
      try (PrivateSupervisords sup = PrivateSupervisords.start(dir.resolve("sup"), hosts)) {
        StringBuilder yaml = new StringBuilder("store_dir: store\nsupervisor:\n  username: vr\n  password: "
            + sup.password + "\nhosts:\n");
        for (Host h : sup.hosts()) {
          yaml.append("  - name: ").append(h.name()).append("\n    address: 127.0.0.1\n    supervisor_port: ")
              .append(h.supervisorPort()).append("\n    port_range: ").append(h.portRange().start()).append('-')
              .append(h.portRange().endExclusive()).append('\n');
        }
        yaml.append("squads:\n  - name: s\n    hosts: [h1, h2, h3]\n");
        Files.writeString(dir.resolve("vr.yaml"), yaml.toString());
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // one untimed run each: makes the archive and checks the 67 programs are listed
        String listed = run(dir, List.of("sh", script.toString(), "procs"), Map.of(), true);
        long programs = listed.lines().filter(l -> l.startsWith("h")).count();
        if (programs != 67) {
          throw new IllegalStateException("vr procs listed " + programs + " programs, not 67:\n" + listed);
        }
        run(dir, List.of(java, "-jar", VrJar.JAR.toString(), "procs"), Map.of(), false);
        if (args.length > 1 && args[1].equals("hold")) {
          // for profiling by hand: the fleet stays up until stdin ends
          System.out.println("holding the 3 supervisords; config: " + dir.resolve("vr.yaml") + " (close stdin to end)");
          System.in.readAllBytes();
          return;
        }
        System.out.printf("vr procs over 3 supervisords, 67 programs, %d runs each; load before: %s%n", runs, load());
        report("./vr procs (class-data archive)", dir, List.of("sh", script.toString(), "procs"), Map.of(), runs);
        report("./vr procs, VR_CDS=off", dir, List.of("sh", script.toString(), "procs"), Map.of("VR_CDS", "off"), runs);
        report("java -jar vr.jar procs (no flags)", dir, List.of(java, "-jar", VrJar.JAR.toString(), "procs"), Map.of(), runs);
        System.out.printf("load after: %s%n", load());
      }
    } finally {
      FileTrees.deleteTree(dir);
    }
  }

  static void report(String what, Path dir, List<String> cmd, Map<String, String> env, int runs) throws Exception {
    List<Long> times = new ArrayList<>();
    for (int i = 0; i < runs; i++) {
      long s = System.nanoTime();
      run(dir, cmd, env, false);
      times.add(System.nanoTime() - s);
    }
    Collections.sort(times);
    System.out.printf("  %-38s median %4d ms  min %4d ms  max %4d ms%n", what, times.get(times.size() / 2) / 1_000_000,
        times.get(0) / 1_000_000, times.get(times.size() - 1) / 1_000_000);
  }

  static String run(Path dir, List<String> cmd, Map<String, String> env, boolean keep) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    pb.environment().remove("VR_CONFIG");
    pb.environment().remove("VR_SERVER");
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().putAll(env);
    Process p = pb.start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException(cmd + " failed: " + new String(out));
    }
    return keep ? new String(out) : "";
  }

  static String load() throws java.io.IOException {
    String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
    return f[0] + ", " + f[1] + ", " + f[2];
  }
}
