package io.velociraptor.core.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.testing.HostileStrings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Quoted words come back byte for byte from real POSIX shells (dash as {@code sh}, and bash).
 * Cases are batched, many per shell process, to keep the run short; a failing case is re-run
 * alone, shrunk and reported with its seed ({@code -Dvr.property.seed=...} replays it).
 */
class ShellQuotingProperties {

  @Test
  void quotedWordsReachDashUnchanged() throws Exception {
    check("/bin/sh");
  }

  @Test
  void quotedWordsReachBashUnchanged() throws Exception {
    check("/bin/bash");
  }

  private static void check(String shell) throws Exception {
    long seed = HostileStrings.seed();
    SplittableRandom random = new SplittableRandom(seed);
    int cases = HostileStrings.cases();
    List<List<String>> all = new ArrayList<>();
    for (int i = 0; i < cases; i++) {
      List<String> words = HostileStrings.nextList(random, 6);
      words.add(0, "x"); // printf needs at least one argument to print a record
      all.add(words);
    }
    int batch = 100;
    for (int start = 0; start < all.size(); start += batch) {
      List<List<String>> chunk = all.subList(start, Math.min(all.size(), start + batch));
      if (!roundTrips(shell, chunk)) {
        for (List<String> words : chunk) {
          if (!roundTrips(shell, List.of(words))) {
            List<String> small = HostileStrings.shrink(words,
                w -> !w.isEmpty() && !roundTrips(shell, List.of(w)), 300);
            throw new AssertionError(shell + " did not read back " + HostileStrings
                .javaLiterals(small) + " (seed " + seed + ", replay with -Dvr.property.seed="
                + seed + ")");
          }
        }
      }
    }
    assertThat(all).hasSize(cases);
  }

  /** One printf line per case, each case's output ended by a 0x01 byte. */
  private static boolean roundTrips(String shell, List<List<String>> chunk) {
    StringBuilder script = new StringBuilder();
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (List<String> words : chunk) {
      script.append("printf '%s\\0' ").append(ShellQuoting.join(words))
          .append("; printf '\\001'\n");
      for (String w : words) {
        expected.writeBytes(w.getBytes(StandardCharsets.UTF_8));
        expected.write(0);
      }
      expected.write(1);
    }
    try {
      Process p = new ProcessBuilder(shell, "-c", script.toString())
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      p.getOutputStream().close();
      byte[] actual = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0 && java.util.Arrays.equals(actual, expected.toByteArray());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
