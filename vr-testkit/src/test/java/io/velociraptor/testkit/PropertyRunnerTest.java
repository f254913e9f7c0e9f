package io.velociraptor.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PropertyRunnerTest extends PrivateFailureMemory {

  @Test
  void aFailingCaseIsRememberedTriedFirstNextTimeAndForgottenOnceItPasses() throws Exception {
    Gen<Integer> ints = Gen.ints(0, 1_000_000).shrinkingWith(Shrinker.none());
    String message = failure(() -> PropertyRunner.property("below 990000").cases(1000)
        .check(ints, i -> assertThat(i).isLessThan(990_000)));
    String replay = message.replaceAll("(?s).*vr\\.property\\.replay=(\\S+).*", "$1");
    java.nio.file.Path remembered;
    try (var files = java.nio.file.Files.list(memory)) {
      remembered = files.collect(java.util.stream.Collectors.toList()).get(0);
    }
    assertThat(java.nio.file.Files.readString(remembered).trim()).isEqualTo(replay);

    // the next run tries that case first: still failing, it fails at once, saying so
    List<Integer> seen = new ArrayList<>();
    String again = failure(() -> PropertyRunner.property("below 990000").cases(1000).check(ints, i -> {
      seen.add(i);
      assertThat(i).isLessThan(990_000);
    }));
    assertThat(again).contains("the case that failed last time");
    assertThat(seen).hasSize(1);
    int failing = seen.get(0);

    // once it passes (the "fix"), it is forgotten and the run goes on with every case
    List<Integer> fixed = new ArrayList<>();
    PropertyRunner.property("below 990000").cases(50).check(ints, fixed::add);
    assertThat(fixed).hasSize(51).first().isEqualTo(failing);
    assertThat(remembered).doesNotExist();
  }
  @Test
  void shrinksAFailingListToTheSmallestCounterexampleAndPrintsTheSeed() {
    Gen<List<Integer>> lists = Gen.listOf(Gen.ints(0, 100), 0, 30);
    assertThatThrownBy(() -> PropertyRunner.property("no element above 90").cases(500)
            .check(lists, Shrinker.dropElements(), l -> assertThat(l).allMatch(i -> i <= 90)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("property 'no element above 90' failed")
        .hasMessageContaining("replay: -Dvr.property.replay=")
        .hasMessageMatching("(?s).*shrunk in \\d+ steps to:\\n  \\[9[1-9]\\].*|(?s).*shrunk in \\d+ steps to:\\n  \\[100\\].*");
  }

  @Test
  void replayingTheReportedSeedAndSizeInCodeReproducesTheFailingCase() {
    Gen<Integer> ints = Gen.ints(0, 1_000_000).shrinkingWith(Shrinker.none()); // every value seen is a case
    List<Integer> seen = new ArrayList<>();
    String message = "";
    try {
      PropertyRunner.property("below 990000").cases(1000).check(ints, i -> {
        seen.add(i);
        assertThat(i).isLessThan(990_000);
      });
    } catch (AssertionError e) {
      message = e.getMessage();
    }
    assertThat(message).contains("replay:");
    long seed = Long.parseLong(message.replaceAll("(?s).*vr\\.property\\.replay=(-?\\d+):(\\d+).*", "$1"));
    int size = Integer.parseInt(message.replaceAll("(?s).*vr\\.property\\.replay=(-?\\d+):(\\d+).*", "$2"));
    int failing = seen.get(seen.size() - 1);
    List<Integer> replayed = new ArrayList<>();
    assertThatThrownBy(() -> PropertyRunner.property("below 990000").replay(seed, size).check(ints, i -> {
      replayed.add(i);
      assertThat(i).isLessThan(990_000);
    })).isInstanceOf(AssertionError.class);
    assertThat(replayed).containsExactly(failing);
  }

  /** A generator whose cases depend on the size, and a shrinker: the replay must match both. */
  @Test
  void thePrintedReplayLineReproducesTheFailingCaseAndItsShrinkExactly() {
    Gen<List<Integer>> lists = (r, size) -> {
      List<Integer> out = new ArrayList<>();
      for (int i = 0; i < size; i++) {
        out.add(r.nextInt(size * 10 + 1));
      }
      return out;
    };
    java.util.function.Consumer<List<Integer>> property = l -> assertThat(l.stream().mapToInt(Integer::intValue).sum())
        .isLessThan(3000);
    String first = failure(() -> PropertyRunner.property("sum below 3000").cases(200)
        .check(lists, Shrinker.dropElements(), property));
    String line = first.replaceAll("(?s).*replay: (-Dvr\\.property\\.replay=\\S+).*", "$1");
    assertThat(line).startsWith("-Dvr.property.replay=");
    String value = line.substring(line.indexOf('=') + 1);

    String previous = System.setProperty("vr.property.replay", value);
    try {
      // the code's own cases and seed must not get in the way of the replay
      String again = failure(() -> PropertyRunner.property("sum below 3000").cases(500).seed(7)
          .check(lists, Shrinker.dropElements(), property));
      assertThat(again).contains("failed at case 0 of 1");
      assertThat(shrunkCase(again)).isEqualTo(shrunkCase(first));
      assertThat(originalCase(again)).isEqualTo(originalCase(first));
    } finally {
      if (previous == null) {
        System.clearProperty("vr.property.replay");
      } else {
        System.setProperty("vr.property.replay", previous);
      }
    }
  }

  @Test
  void aDescriberOfTheWrongTypeDoesNotCompile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    String good = "io.velociraptor.testkit.PropertyRunner.property(\"x\").describedBy((Integer i) -> \"#\" + i)"
        + ".check(io.velociraptor.testkit.Gen.ints(0, 9), i -> { });";
    String bad = "io.velociraptor.testkit.PropertyRunner.property(\"x\").describedBy((String s) -> s)"
        + ".check(io.velociraptor.testkit.Gen.ints(0, 9), i -> { });";
    assertThat(compile(dir.resolve("good"), good)).as("the well-typed describer compiles").isEmpty();
    assertThat(compile(dir.resolve("bad"), bad)).as("the mistyped describer").isNotEmpty();
  }

  /** Compiles one statement against the test classpath; returns the compiler's errors. */
  private static List<String> compile(java.nio.file.Path dir, String statement) throws Exception {
    java.nio.file.Files.createDirectories(dir);
    java.nio.file.Path src = dir.resolve("Probe.java");
    java.nio.file.Files.writeString(src, "class Probe { void run() { " + statement + " } }\n");
    javax.tools.JavaCompiler javac = javax.tools.ToolProvider.getSystemJavaCompiler();
    javax.tools.DiagnosticCollector<javax.tools.JavaFileObject> diagnostics = new javax.tools.DiagnosticCollector<>();
    try (javax.tools.StandardJavaFileManager files = javac.getStandardFileManager(diagnostics, null, null)) {
      javac.getTask(null, files, diagnostics, List.of("-d", dir.toString(), "-cp", System.getProperty("java.class.path")),
          null, files.getJavaFileObjects(src.toFile())).call();
    }
    return diagnostics.getDiagnostics().stream().filter(d -> d.getKind() == javax.tools.Diagnostic.Kind.ERROR)
        .map(d -> d.getMessage(null)).toList();
  }

  @Test
  void aMalformedReplayIsRefusedNamingIt() {
    assertThatThrownBy(() -> PropertyRunner.property("x").replay(1, 101))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"1:101\"");
  }

  private static String failure(Runnable r) {
    try {
      r.run();
    } catch (AssertionError e) {
      return e.getMessage();
    }
    throw new AssertionError("the property did not fail");
  }

  private static String shrunkCase(String message) {
    return message.replaceAll("(?s).*steps to:\n  ([^\n]*)\n.*", "$1");
  }

  private static String originalCase(String message) {
    return message.replaceAll("(?s).*original case:\n  ([^\n]*).*", "$1");
  }

  @Test
  void theShortFormShrinksWithTheGeneratorsOwnShrinkerDownToOneMinimalElement() {
    Gen<List<Integer>> lists = Gen.listOf(Gen.ints(0, 100), 0, 30);
    String message = failure(() -> PropertyRunner.property("no element above 90").cases(500)
        .check(lists, l -> assertThat(l).allMatch(i -> i <= 90)));
    // dropping elements leaves one above 90; shrinking it element-wise makes it the smallest: 91
    assertThat(shrunkCase(message)).isEqualTo("[91]");
  }

  @Test
  void intsShrinkTowardsZeroOrTheNearestBoundAndNeverLeaveTheirRange() {
    assertThat(Gen.ints(0, 100).shrinker().shrink(40)).containsExactly(0, 20, 30, 35, 38, 39);
    assertThat(Gen.ints(5, 9).shrinker().shrink(8)).containsExactly(5, 7);
    assertThat(Gen.ints(-9, -5).shrinker().shrink(-8)).containsExactly(-5, -7);
    assertThat(Gen.listOf(Gen.ints(0, 9), 2, 5).shrinker().shrink(List.of(1, 2)))
        .allMatch(l -> l.size() >= 2).contains(List.of(0, 2), List.of(1, 0));
  }

  @Test
  void aPassingPropertyPrintsHowOftenEachLabelCameUpMostFrequentFirst() {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.PrintStream previous = System.out;
    System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
    try {
      PropertyRunner.property("evens").cases(100).classifiedBy((Integer i) -> i % 2 == 0 ? List.of("even") : List.of("odd", "not even"))
          .check(Gen.ints(0, 9).shrinkingWith(Shrinker.none()), i -> { });
    } finally {
      System.setOut(previous);
    }
    String line = out.toString(java.nio.charset.StandardCharsets.UTF_8).trim();
    assertThat(line).matches("property 'evens': 100 cases; \\S.* \\d+%, \\S.* \\d+%, \\S.* \\d+%");
    Map<String, Integer> shares = new java.util.HashMap<>();
    for (String part : line.substring(line.indexOf("; ") + 2).split(", ")) {
      shares.put(part.substring(0, part.lastIndexOf(' ')), Integer.parseInt(part.substring(part.lastIndexOf(' ') + 1,
          part.length() - 1)));
    }
    assertThat(shares).containsOnlyKeys("even", "odd", "not even");
    assertThat(shares.get("even") + shares.get("odd")).isEqualTo(100);
    assertThat(shares.get("not even")).isEqualTo(shares.get("odd"));
  }

  @Test
  void theStatisticsLineOrdersLabelsByFrequency() {
    assertThat(PropertyRunner.statistics("p", 10, new java.util.TreeMap<>(Map.of("a", 1, "b", 7, "c", 2))))
        .isEqualTo("property 'p': 10 cases; b 70%, c 20%, a 10%");
  }

  @Test
  void aPassingPropertyRunsEveryCase() {
    List<Integer> seen = new ArrayList<>();
    PropertyRunner.property("always").cases(37).check(Gen.ints(0, 9), seen::add);
    assertThat(seen).hasSize(37);
  }

  @Test
  void theSameSeedGivesTheSameCases() {
    List<String> a = new ArrayList<>();
    List<String> b = new ArrayList<>();
    PropertyRunner.property("x").seed(42).cases(50).check(ModelGen.procNames().map(Object::toString), a::add);
    PropertyRunner.property("x").seed(42).cases(50).check(ModelGen.procNames().map(Object::toString), b::add);
    assertThat(a).isEqualTo(b).hasSize(50);
  }
}
