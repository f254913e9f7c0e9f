package io.velociraptor.core.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShellQuotingTest {

  @Test
  void leavesPlainWordsBare() {
    assertThat(ShellQuoting.quote("ls")).isEqualTo("ls");
    assertThat(ShellQuoting.quote("/apps/procs/a-1.0_x")).isEqualTo("/apps/procs/a-1.0_x");
  }

  @Test
  void singleQuotesEverythingElse() {
    assertThat(ShellQuoting.quote("")).isEqualTo("''");
    assertThat(ShellQuoting.quote("a b")).isEqualTo("'a b'");
    assertThat(ShellQuoting.quote("it's")).isEqualTo("'it'\\''s'");
    assertThat(ShellQuoting.quote("$(x)")).isEqualTo("'$(x)'");
    assertThat(ShellQuoting.quote("x=y")).isEqualTo("'x=y'");
    assertThat(ShellQuoting.quote("~")).isEqualTo("'~'");
    assertThat(ShellQuoting.quote("*")).isEqualTo("'*'");
  }

  @Test
  void joinsQuotedWordsWithSpaces() {
    assertThat(ShellQuoting.join(List.of("echo", "a b", ""))).isEqualTo("echo 'a b' ''");
  }

  @Test
  void refusesNul() {
    assertThatThrownBy(() -> ShellQuoting.quote("a\0"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
