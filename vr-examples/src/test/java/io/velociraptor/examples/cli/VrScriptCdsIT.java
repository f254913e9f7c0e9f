package io.velociraptor.examples.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.local.FileTrees;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@code ./vr} script's class-data archive (AppCDS): made once per jar, reused, made again
 * when the jar is newer, and never the cause of a failed command or of noise in its output when
 * it is missing, stale, corrupt or made for another jar.
 */
class VrScriptCdsIT {
  static final Path SCRIPT = Path.of("../vr").toAbsolutePath().normalize();
  Path dir;
  Path jsa;

  @BeforeEach
  void config() throws IOException {
    dir = Files.createTempDirectory("vr-cds-it-");
    jsa = dir.resolve("archive/vr.jsa");
    Files.createDirectories(jsa.getParent());
    // one host that refuses at once: `vr procs` says so and exits 0
    Files.writeString(dir.resolve("vr.yaml"), "store_dir: store\nhosts:\n  - name: h1\n    address: 127.0.0.1\n"
        + "    supervisor_port: 1\nsquads:\n  - name: s\n    hosts: [h1]\n");
  }

  @AfterEach
  void clean() throws IOException {
    FileTrees.deleteTree(dir);
  }

  record Run(int exit, String out, String err) {}

  Run vr(Map<String, String> env, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("sh", SCRIPT.toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile())
        .redirectOutput(dir.resolve("out.txt").toFile()).redirectError(dir.resolve("err.txt").toFile());
    pb.environment().remove("VR_CONFIG");
    pb.environment().remove("VR_SERVER");
    pb.environment().put("VR_CDS_ARCHIVE", jsa.toString());
    pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(180, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError("./vr " + String.join(" ", args) + " did not end in 180 s");
    }
    return new Run(p.exitValue(), Files.readString(dir.resolve("out.txt"), StandardCharsets.UTF_8),
        Files.readString(dir.resolve("err.txt"), StandardCharsets.UTF_8));
  }

  Run procs() throws Exception {
    return vr(Map.of(), "--json", "procs");
  }

  /** The command's output is its own: one JSON object on stdout, nothing from the JVM on either stream. */
  static void clean(Run r) throws Exception {
    assertThat(r.exit()).as(r.toString()).isZero();
    Map<String, Object> json = VrJson.json().readValue(r.out(),
        new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
    assertThat(json).containsKeys("hosts", "procs");
    assertThat(r.out() + r.err()).doesNotContain("cds").doesNotContain("shared archive").doesNotContain("warning");
  }

  @Test
  void theArchiveIsMadeOnceReusedAndMadeAgainForANewerJar() throws Exception {
    assertThat(VrJar.JAR).exists();
    clean(procs());
    assertThat(jsa).isRegularFile();
    assertThat(Files.size(jsa)).isGreaterThan(1 << 20);
    FileTime made = Files.getLastModifiedTime(jsa);
    assertThat(Files.getLastModifiedTime(jsa).compareTo(Files.getLastModifiedTime(VrJar.JAR))).isPositive();

    clean(procs());
    assertThat(Files.getLastModifiedTime(jsa)).as("reused, not made again").isEqualTo(made);

    // an archive older than the jar (the jar was rebuilt since) is made again
    Files.writeString(jsa, "not an archive");
    Files.setLastModifiedTime(jsa, FileTime.from(Files.getLastModifiedTime(VrJar.JAR).toInstant().minusSeconds(60)));
    clean(procs());
    assertThat(Files.size(jsa)).isGreaterThan(1 << 20);
    try (var in = Files.newInputStream(jsa)) {
      assertThat(new String(in.readNBytes(14), StandardCharsets.ISO_8859_1)).isNotEqualTo("not an archive");
    }
  }

  @Test
  void aCorruptArchiveOrOneMadeForAnotherJarIsIgnoredQuietly() throws Exception {
    // corrupt and newer than the jar: used as is, the JVM refuses it, the command runs
    Files.writeString(jsa, "garbage, not a class-data archive\n");
    Files.setLastModifiedTime(jsa, FileTime.from(Instant.now().plusSeconds(5)));
    clean(procs());
    assertThat(Files.readString(jsa)).startsWith("garbage");

    // a real archive, but of another copy of the jar (the classpath it records does not match)
    Path other = dir.resolve("other.jar");
    Files.copy(VrJar.JAR, other);
    Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-XX:ArchiveClassesAtExit=" + jsa, "-jar", other.toString(), "--help")
        .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    assertThat(p.waitFor(180, TimeUnit.SECONDS)).isTrue();
    assertThat(Files.size(jsa)).isGreaterThan(1 << 20);
    Files.setLastModifiedTime(jsa, FileTime.from(Instant.now().plusSeconds(5)));
    clean(procs());
  }

  @Test
  void vrCdsOffMakesNoArchive() throws Exception {
    Run r = vr(Map.of("VR_CDS", "off"), "--json", "procs");
    clean(r);
    assertThat(jsa).doesNotExist();
  }
}
