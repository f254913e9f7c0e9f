package io.velociraptor.core.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.testkit.HostileStrings;
import io.velociraptor.testkit.PropertyRunner;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Quoted words come back byte for byte from real POSIX shells: dash (Debian's {@code sh}) and
 * bash, each run as {@code <shell> -c "printf '%s\0' <quoted words>"}.
 */
class ShellQuotingProperties {

  @Test
  void quotedWordsReachDashUnchanged() {
    check("/bin/sh");
  }

  @Test
  void quotedWordsReachBashUnchanged() {
    check("/bin/bash");
  }

  private static void check(String shell) {
    PropertyRunner.property("quoted words reach " + shell + " unchanged")
        .describedBy((List<String> w) -> HostileStrings.javaLiterals(w))
        .check(HostileStrings.lists(6), HostileStrings.shrinker(), words -> {
          List<String> all = new ArrayList<>(List.of("x")); // printf needs an argument
          all.addAll(words);
          assertThat(printed(shell, all)).isEqualTo(nulTerminated(all));
        });
  }

  static byte[] nulTerminated(List<String> words) {
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (String w : words) {
      expected.writeBytes(w.getBytes(StandardCharsets.UTF_8));
      expected.write(0);
    }
    return expected.toByteArray();
  }

  private static byte[] printed(String shell, List<String> words) {
    String script = "printf '%s\\0' " + ShellQuoting.join(words);
    try {
      Process p = new ProcessBuilder(shell, "-c", script)
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      p.getOutputStream().close();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(shell + " did not finish: " + script);
      }
      assertThat(p.exitValue()).as("exit code of %s -c %s", shell, script).isZero();
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
