package io.velociraptor.core.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.spi.UptestResult;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** An uptest step says, per failed test, how it ended and the end of what it printed. */
class UptestDetailTest {
  @Test
  void eachFailedTestIsNamedWithItsExitOrTimeoutAndTheEndOfItsOutput() {
    String longOutput = IntStream.rangeClosed(1, 30).mapToObj(i -> "line " + i).collect(Collectors.joining("\n"));
    String detail = RunExecution.uptestDetail(List.of(
        UptestResult.of("ok", "fine", 0, false, 5),
        UptestResult.of("http_ok", "curl: (7) connection refused\n", 7, false, 41),
        UptestResult.of("slow", longOutput + "\n[killed: uptest ran longer than 30000 ms]", 137, true, 30001)));

    assertThat(detail.lines().findFirst()).contains("2 of 3 test(s) failed");
    assertThat(detail).contains("http_ok: exit 7 after 41 ms\n  | curl: (7) connection refused")
        .contains("slow: timed out after 30001 ms").contains("| line 30").contains("[killed: uptest ran longer")
        .contains("(21 line(s) before)").doesNotContain("| line 20\n").doesNotContain("\nok: ");
  }

  @Test
  void theOriginalRunnersResultsWithoutAnExitCodeStillRead() {
    UptestResult r = VrJson.readJson("{\"name\":\"t\",\"output\":\"boom\",\"passed\":false,\"duration_ms\":3}",
        UptestResult.class);
    assertThat(r.exitCode()).isEmpty();
    assertThat(r.timedOut()).isFalse();
    assertThat(r.outcome()).isEqualTo("failed");
    UptestResult back = VrJson.readJson(VrJson.writeJson(UptestResult.of("t", "x", 2, false, 1)), UptestResult.class);
    assertThat(back.exitCode()).isEqualTo(Optional.of(2));
    assertThat(back.outcome()).isEqualTo("exit 2");
  }
}
