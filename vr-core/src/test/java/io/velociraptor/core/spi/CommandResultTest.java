package io.velociraptor.core.spi;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CommandResultTest {

  @Test
  void succeedsOnlyWithExitZeroAndNoTimeout() {
    assertThat(CommandResult.builder().build().succeeded()).isTrue();
    assertThat(CommandResult.builder().exitCode(1).build().succeeded()).isFalse();
    CommandResult timedOut = CommandResult.builder().exitCode(0).timedOut(true).build();
    assertThat(timedOut.succeeded()).isFalse();
    assertThat(timedOut.exitCode()).isEqualTo(CommandResult.TIMED_OUT_EXIT_CODE);
  }

  @Test
  void stderrTailKeepsTheLastLines() {
    CommandResult r = CommandResult.builder().stderr("a\nb\nc\nd\n\n").build();
    assertThat(r.stderrTail(2)).isEqualTo("c\nd");
    assertThat(r.stderrTail(10)).isEqualTo("a\nb\nc\nd");
    assertThat(CommandResult.builder().build().stderrTail(3)).isEmpty();
  }
}
