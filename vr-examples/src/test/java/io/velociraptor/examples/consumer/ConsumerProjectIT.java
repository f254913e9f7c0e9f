package io.velociraptor.examples.consumer;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.examples.ExampleFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * vr as a user meets it: a separate Maven project (src/test/consumer) that depends on vr's
 * installed artifacts by coordinates through vr-bom, compiles with {@code -Xlint:all -Werror},
 * runs the README's quick start pasted into it, plans against a saved snapshot with a swarm file,
 * checks its own planner properties with vr-testkit, and replays a failing property from the line
 * it printed.
 *
 * <p>It builds against the local Maven repository, so it needs this build's jars installed there:
 * the README's test command is {@code ./mvnw install}, which installs each library module before
 * vr-examples' integration tests run. Under {@code verify} the installed jars may be stale; the
 * test then fails saying so rather than testing old code.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsumerProjectIT {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final List<String> LIBRARIES = List.of("vr-core", "vr-supervisor", "vr-buildpack", "vr-lxc", "vr-testkit");
  private static final Pattern REPLAY = Pattern.compile("replay: -Dvr\\.property\\.replay=(-?\\d+:\\d+)");
  private static final long BUILD_TIMEOUT_MINUTES = 15;

  @TempDir
  static Path tmp;
  private Path project;
  private final String version = System.getProperty("vr.version", "");
  private final Path repo = Path.of(System.getProperty("vr.maven.repo.local", System.getProperty("user.home") + "/.m2/repository"));

  @BeforeAll
  void copyTheProjectAndPasteTheQuickStart() throws IOException {
    assertThat(version).as("vr.version (set by vr-examples' pom)").isNotBlank();
    project = tmp.resolve("consumer");
    Path template = Path.of("src/test/consumer");
    try (Stream<Path> files = Files.walk(template)) {
      for (Path f : files.toList()) {
        Path to = project.resolve(template.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(to);
        } else {
          Files.copy(f, to, StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
    String readme = Files.readString(ROOT.resolve("README.md"));
    int section = readme.indexOf("## Quick start in Java");
    int start = readme.indexOf("```java\n", section) + "```java\n".length();
    String block = readme.substring(start, readme.indexOf("```\n", start));
    Path quickStart = project.resolve("src/main/java/com/example/consumer/QuickStart.java");
    Files.createDirectories(quickStart.getParent());
    Files.writeString(quickStart, "package com.example.consumer;\n\n" + block);
  }

  @Test
  @Order(0)
  void theInstalledArtifactsAreTheOnesThisBuildMade() throws IOException {
    for (String module : LIBRARIES) {
      Path built = ROOT.resolve(module + "/target/" + module + "-" + version + ".jar");
      Path installed = repo.resolve("io/velociraptor/" + module + "/" + version + "/" + module + "-" + version + ".jar");
      assertThat(built).as("%s's jar from this build", module).exists();
      assertThat(installed).as("%s installed in %s: run the README's test command, ./mvnw install", module, repo).exists();
      assertThat(Files.mismatch(built, installed))
          .as("%s in %s differs from this build's: run ./mvnw install (the README's test command), not verify", installed, repo)
          .isEqualTo(-1L);
    }
  }

  @Test
  @Order(1)
  void eachLibraryIsPublishedWithSourcesJavadocAndAModuleNameOfItsOwn() throws IOException {
    java.util.Map<String, String> packageOwner = new java.util.TreeMap<>();
    java.util.Set<String> moduleNames = new java.util.HashSet<>();
    for (String module : LIBRARIES) {
      Path dir = repo.resolve("io/velociraptor/" + module + "/" + version);
      for (String classifier : List.of("sources", "javadoc")) {
        assertThat(dir.resolve(module + "-" + version + "-" + classifier + ".jar")).as("%s's %s jar", module, classifier).exists();
      }
      try (java.util.jar.JarFile jar = new java.util.jar.JarFile(dir.resolve(module + "-" + version + ".jar").toFile())) {
        java.util.jar.Attributes manifest = jar.getManifest().getMainAttributes();
        String name = manifest.getValue("Automatic-Module-Name");
        assertThat(name).as("%s's Automatic-Module-Name", module).startsWith("io.velociraptor.");
        assertThat(moduleNames.add(name)).as("module name %s is %s's only", name, module).isTrue();
        assertThat(manifest.getValue("Implementation-Version")).as("%s's Implementation-Version", module).isEqualTo(version);
        jar.stream().map(e -> e.getName()).filter(n -> n.endsWith(".class") && n.contains("/"))
            .map(n -> n.substring(0, n.lastIndexOf('/'))).distinct().forEach(pkg -> {
              String other = packageOwner.putIfAbsent(pkg, module);
              assertThat(other == null || other.equals(module)).as("package %s is in %s and %s", pkg, other, module).isTrue();
            });
      }
      String pom = Files.readString(dir.resolve(module + "-" + version + ".pom"));
      assertThat(pom).as("%s's pom", module).contains("<name>", "<description>", "<artifactId>vr-parent</artifactId>");
    }
    // the modules inherit the license and the developers from vr-parent, which is installed too
    String parent = Files.readString(repo.resolve("io/velociraptor/vr-parent/" + version + "/vr-parent-" + version + ".pom"));
    assertThat(parent).contains("<licenses>", "Apache-2.0", "<developers>");
  }

  @Test
  @Order(2)
  void compilesStrictlyRunsTheQuickStartPlansAndChecksItsProperties() throws Exception {
    Build build = maven("test", "-Dconsumer.ports=" + ExampleFiles.freePortBlock(10));
    assertThat(build.exit).as("the consumer build (log: %s)\n%s", build.log, build.tail()).isZero();
    assertThat(testsRun("QuickStartTest")).isEqualTo(1);
    assertThat(testsRun("PlanAgainstSnapshotTest")).isEqualTo(1);
    assertThat(testsRun("PortRulesProperties")).isEqualTo(2);
    assertThat(testsRun("DependenciesTest")).isEqualTo(2);
    assertThat(Files.readString(build.log)).as("the property statistics").contains("noPortIsHandedOutTwice");
  }

  @Test
  @Order(3)
  void aFailingPropertyIsReplayedExactlyFromItsPrintedLine() throws Exception {
    Build failing = maven("test", "-Dtest=TooStrictRuleTest");
    assertThat(failing.exit).as("the too strict rule fails (log: %s)", failing.log).isNotZero();
    String report = report("TooStrictRuleTest");
    Matcher replay = REPLAY.matcher(report);
    assertThat(replay.find()).as("a replay line in\n%s", report).isTrue();
    String shrunk = shrunkCase(report);

    Build replayed = maven("test", "-Dtest=TooStrictRuleTest", "-Dvr.property.replay=" + replay.group(1),
        "-Dvr.property.failures=" + tmp.resolve("no-remembered-failures"));
    assertThat(replayed.exit).as("the replay fails too (log: %s)", replayed.log).isNotZero();
    String again = report("TooStrictRuleTest");
    assertThat(again).contains("replay: -Dvr.property.replay=" + replay.group(1));
    assertThat(again).as("the replay ran one case").contains("case 0 of 1 ");
    assertThat(shrunkCase(again)).as("the replayed, shrunk case").isEqualTo(shrunk);
  }

  private static String shrunkCase(String report) {
    int at = report.indexOf("shrunk in ");
    assertThat(at).as("a shrunk case in\n%s", report).isNotNegative();
    int end = report.indexOf("\n\tat ", at);
    return report.substring(at, end < 0 ? report.length() : end);
  }

  private String report(String testClass) throws IOException {
    return Files.readString(project.resolve("target/surefire-reports/com.example.consumer." + testClass + ".txt"));
  }

  private int testsRun(String testClass) throws IOException {
    Matcher m = Pattern.compile("Tests run: (\\d+), Failures: 0, Errors: 0").matcher(report(testClass));
    assertThat(m.find()).as("%s passed", testClass).isTrue();
    return Integer.parseInt(m.group(1));
  }

  private record Build(int exit, Path log) {
    String tail() throws IOException {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    }
  }

  /** Runs this repository's Maven wrapper on the consumer project, with this build's local repository. */
  private Build maven(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of(ROOT.resolve("mvnw").toString(), "-B", "-ntp",
        "-f", project.resolve("pom.xml").toString(), "-Dmaven.repo.local=" + repo, "-Dvr.version=" + version));
    if (System.getProperty("vr.maven.offline", "").equals("offline: true")) {
      command.add("-o");
    }
    command.addAll(Arrays.asList(args));
    Path log = Files.createTempFile(tmp, "mvn-", ".log");
    Process p = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile()).start();
    if (!p.waitFor(BUILD_TIMEOUT_MINUTES, TimeUnit.MINUTES)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      throw new AssertionError("the consumer build took over " + BUILD_TIMEOUT_MINUTES + " minutes: " + command);
    }
    return new Build(p.exitValue(), log);
  }
}
