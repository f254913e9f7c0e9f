package io.velociraptor.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CommandTest {

  @Test
  void ofKeepsTheArgvAndUsesTheDefaults() {
    Command c = Command.of("ls", "-l", "/tmp");
    assertThat(c.argv()).containsExactly("ls", "-l", "/tmp");
    assertThat(c.timeout()).isEqualTo(Command.DEFAULT_TIMEOUT);
    assertThat(c.outputLimit()).isEqualTo(Command.DEFAULT_OUTPUT_LIMIT);
    assertThat(c.stdin()).isEmpty();
    assertThat(c.env()).isEmpty();
    assertThat(c.workingDir()).isEmpty();
    assertThat(c.sudoUser()).isEmpty();
  }

  @Test
  void copiesStdinSoCallersCannotChangeIt() {
    byte[] input = {1, 2, 3};
    Command c = Command.builder().argv("cat").stdin(input).build();
    input[0] = 9;
    c.stdin().get()[1] = 9;
    assertThat(c.stdin().get()).containsExactly(1, 2, 3);
  }

  @Test
  void sortsTheEnvironmentByName() {
    Command c = Command.builder().argv("env").env(Map.of("B", "2", "A", "1", "C", "3")).build();
    assertThat(c.env().keySet()).containsExactly("A", "B", "C");
  }

  @Test
  void rejectsBadValuesNamingThem() {
    assertThatThrownBy(() -> Command.builder().argv(List.of()).build())
        .isInstanceOf(InvalidCommandException.class).hasMessageContaining("argv");
    assertThatThrownBy(() -> Command.of(""))
        .isInstanceOf(InvalidCommandException.class).hasMessageContaining("argv[0]");
    assertThatThrownBy(() -> Command.of("echo", "a\0b"))
        .isInstanceOf(InvalidCommandException.class).hasMessageContaining("a\\0b");
    assertThatThrownBy(() -> Command.builder().argv("env").putEnv("BAD-NAME", "x").build())
        .isInstanceOfSatisfying(InvalidCommandException.class, e -> {
          assertThat(e.field()).isEqualTo("env");
          assertThat(e.value()).isEqualTo("BAD-NAME");
        });
    assertThatThrownBy(() -> Command.builder().argv("pwd").workingDir("relative").build())
        .isInstanceOf(InvalidCommandException.class).hasMessageContaining("'relative'");
    assertThatThrownBy(() -> Command.builder().argv("true").timeout(Duration.ZERO).build())
        .isInstanceOf(InvalidCommandException.class).hasMessageContaining("PT0S");
    assertThatThrownBy(() -> Command.builder().argv("true").sudoUser("-oops").build())
        .isInstanceOf(InvalidCommandException.class).hasMessageContaining("'-oops'");
    assertThatThrownBy(() -> Command.builder().argv("true").sudoUser("a b").build())
        .isInstanceOf(InvalidCommandException.class).hasMessageContaining("'a b'");
    assertThatThrownBy(() -> Command.builder().argv("true").outputLimit(-1).build())
        .isInstanceOf(InvalidCommandException.class).hasMessageContaining("-1");
  }

  @Test
  void toStringShowsTheCommandButNeverEnvironmentValuesOrStdin() {
    Command c = Command.builder().argv("deploy", "my app")
        .putEnv("DB_PASSWORD", "hunter2")
        .stdin("secret".getBytes(java.nio.charset.StandardCharsets.UTF_8))
        .build();
    assertThat(c.toString()).contains("deploy 'my app'", "DB_PASSWORD", "6 bytes")
        .doesNotContain("hunter2").doesNotContain("secret");
  }

  @Test
  void toBuilderMakesAnEqualCopyThatCanBeChanged() {
    Command c = Command.builder().argv("a", "b").putEnv("X", "1").workingDir("/tmp")
        .sudoUser("nobody").timeout(Duration.ofSeconds(5)).stdin(new byte[] {1}).build();
    assertThat(c.toBuilder().build()).isEqualTo(c).hasSameHashCodeAs(c);
    assertThat(c.toBuilder().timeout(Duration.ofSeconds(6)).build()).isNotEqualTo(c);
  }
}
