package io.velociraptor.core.remote;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.spi.Command;
import io.velociraptor.core.spi.CommandResult;
import io.velociraptor.testkit.HostileStrings;
import io.velociraptor.testkit.PropertyRunner;
import io.velociraptor.core.testing.SshdFixture;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile argv and environment values travel through the SSH runner's quoting, a real sshd and
 * the remote login shell, and {@code printf '%s\0'} gives them back byte for byte. Runs on
 * the in-repo {@link PropertyRunner}: a failing case is shrunk and reported with its seed.
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
  void hostileArgumentsArriveByteForByte() {
    PropertyRunner.property("hostile argv arrives byte for byte over ssh")
        .describedBy((List<String> w) -> HostileStrings.javaLiterals(w))
        .check(HostileStrings.lists(6), HostileStrings.shrinker(), words -> {
          List<String> argv = new ArrayList<>(List.of("printf", "%s\\0"));
          argv.addAll(words);
          argv.add(2, "x"); // printf needs an argument
          CommandResult r = runner.run(Command.builder().argv(argv).build());
          assertThat(r.exitCode()).as(r.stderr()).isZero();
          assertThat(r.stdout().getBytes(StandardCharsets.UTF_8))
              .isEqualTo(nulTerminated(argv.subList(2, argv.size())));
        });
  }

  @Test
  void hostileEnvironmentValuesArriveByteForByte() {
    PropertyRunner.property("hostile env values arrive byte for byte over ssh")
        .describedBy((List<String> w) -> HostileStrings.javaLiterals(w))
        .check(HostileStrings.lists(6), HostileStrings.shrinker(), values -> {
          List<String> argv = new ArrayList<>(List.of("sh", "-c",
              "for v in \"$@\"; do eval \"printf '%s\\0' \\\"\\$$v\\\"\"; done", "sh"));
          Command.Builder b = Command.builder();
          for (int i = 0; i < values.size(); i++) {
            argv.add("VR_P" + i);
            b.putEnv("VR_P" + i, values.get(i));
          }
          CommandResult r = runner.run(b.argv(argv).build());
          assertThat(r.exitCode()).as(r.stderr()).isZero();
          assertThat(r.stdout().getBytes(StandardCharsets.UTF_8)).isEqualTo(nulTerminated(values));
        });
  }

  private static byte[] nulTerminated(List<String> words) {
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (String w : words) {
      expected.writeBytes(w.getBytes(StandardCharsets.UTF_8));
      expected.write(0);
    }
    return expected.toByteArray();
  }
}
