package io.velociraptor.core.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.spi.Command;
import io.velociraptor.core.spi.CommandResult;
import io.velociraptor.core.testing.HostileStrings;
import io.velociraptor.core.testing.SshdFixture;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile argv and environment values travel through the SSH runner's quoting, a real sshd and
 * the remote login shell, and {@code printf '%s\0'} gives them back byte for byte. A failing
 * case is shrunk and reported with its seed ({@code -Dvr.property.seed=...} replays it).
 */
class JschQuotingPropertiesIT {
  private static SshdFixture sshd;
  private static JschCommandRunner runner;
  @TempDir static Path root;

  @BeforeAll
  static void start() {
    sshd = SshdFixture.start();
    runner = JschCommandRunner.builder().host(sshd.host()).port(sshd.port()).user(sshd.user())
        .privateKey(sshd.clientKey()).knownHosts(sshd.knownHosts()).root(root.toString())
        .build();
  }

  @AfterAll
  static void stop() {
    if (runner != null) {
      runner.close();
    }
    if (sshd != null) {
      sshd.close();
    }
  }

  @Test
  void hostileArgumentsArriveByteForByte() throws Exception {
    forAll((words, random) -> {
      List<String> argv = new ArrayList<>(List.of("printf", "%s\\0", "x"));
      argv.addAll(words);
      CommandResult r = runner.run(Command.builder().argv(argv).build());
      List<String> expected = new ArrayList<>(List.of("x"));
      expected.addAll(words);
      return r.exitCode() == 0 && sameBytes(r.stdout(), expected);
    });
  }

  @Test
  void hostileEnvironmentValuesArriveByteForByte() throws Exception {
    forAll((words, random) -> {
      Command.Builder b = Command.builder()
          .argv("sh", "-c", "for v in \"$@\"; do eval \"printf '%s\\0' \\\"\\$$v\\\"\"; done", "sh");
      List<String> names = new ArrayList<>();
      for (int i = 0; i < words.size(); i++) {
        names.add("VR_P" + i);
        b.putEnv("VR_P" + i, words.get(i));
      }
      List<String> argv = new ArrayList<>(b.build().argv());
      argv.addAll(names);
      CommandResult r = runner.run(b.argv(argv).build());
      return r.exitCode() == 0 && sameBytes(r.stdout(), words);
    });
  }

  private static boolean sameBytes(String stdout, List<String> words) {
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (String w : words) {
      expected.writeBytes(w.getBytes(StandardCharsets.UTF_8));
      expected.write(0);
    }
    return Arrays.equals(stdout.getBytes(StandardCharsets.UTF_8), expected.toByteArray());
  }

  private interface Property {
    boolean holds(List<String> words, SplittableRandom random);
  }

  private static void forAll(Property property) throws Exception {
    long seed = HostileStrings.seed();
    SplittableRandom random = new SplittableRandom(seed);
    int cases = HostileStrings.cases();
    List<List<String>> all = new ArrayList<>();
    for (int i = 0; i < cases; i++) {
      all.add(HostileStrings.nextList(random, 6));
    }
    ExecutorService pool = Executors.newFixedThreadPool(JschCommandRunner
        .DEFAULT_MAX_CONCURRENT_COMMANDS);
    try {
      List<Future<Boolean>> results = new ArrayList<>();
      for (List<String> words : all) {
        results.add(pool.submit(() -> property.holds(words, null)));
      }
      for (int i = 0; i < all.size(); i++) {
        if (!results.get(i).get(120, TimeUnit.SECONDS)) {
          List<String> small = HostileStrings.shrink(all.get(i),
              w -> !property.holds(w, null), 200);
          throw new AssertionError("case " + i + " failed; shrunk to "
              + HostileStrings.javaLiterals(small) + " (seed " + seed
              + ", replay with -Dvr.property.seed=" + seed + ")");
        }
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(all).hasSize(cases);
  }
}
