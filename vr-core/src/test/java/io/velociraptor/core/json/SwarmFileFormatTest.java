package io.velociraptor.core.json;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.SwarmId;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A tool reads a swarm file through the library as the vr tool does, and derives the same id. */
class SwarmFileFormatTest {
  private static final String FILE = "app: shop\nversion: '1.0'\nconfig: prod\nproc: web\nsquad: main\nsize: 3\n";

  @Test
  void aFileWithoutAnIdGetsTheStoredSwarmsIdOrTheDerivedOne() {
    SwarmFileFormat.Parsed fresh = SwarmFileFormat.parse(FILE, name -> Optional.empty());
    assertThat(fresh.swarm().id()).isEqualTo(SwarmId.derivedFrom("shop-prod-web"));
    assertThat(fresh.idGiven()).isFalse();
    assertThat(fresh.swarm().size()).isEqualTo(3);
    assertThat(fresh.releaseHash()).isEmpty();

    SwarmFileFormat.Parsed stored = SwarmFileFormat.parse(FILE,
        name -> name.equals("shop-prod-web") ? Optional.of(SwarmId.of("keepthis")) : Optional.empty());
    assertThat(stored.swarm().id()).isEqualTo(SwarmId.of("keepthis"));
  }

  @Test
  void procTypeIsAnotherSpellingOfProcAndReleaseHashAndIdAreRead() {
    SwarmFileFormat.Parsed p = SwarmFileFormat.parse(FILE.replace("proc: web", "proc_type: web")
        + "id: abcdefgh\nrelease_hash: 0123456789ab\n", name -> Optional.empty());
    assertThat(p.swarm().id()).isEqualTo(SwarmId.of("abcdefgh"));
    assertThat(p.idGiven()).isTrue();
    assertThat(p.releaseHash()).contains(ReleaseHash.of("0123456789ab"));
  }

  @Test
  void mistakesNameTheKeyAsTheFileWritesIt() {
    assertThatThrownBy(() -> SwarmFileFormat.parse(FILE + "sise: 2\n", n -> Optional.empty()))
        .isInstanceOfSatisfying(SwarmFileFormat.Invalid.class, e -> assertThat(e.field()).isEqualTo("sise"));
    assertThatThrownBy(() -> SwarmFileFormat.parse(FILE.replace("proc: web\n", ""), n -> Optional.empty()))
        .isInstanceOfSatisfying(SwarmFileFormat.Invalid.class, e -> {
          assertThat(e.field()).isEqualTo("proc");
          assertThat(e.problem()).isEqualTo("is required");
        });
    assertThatThrownBy(() -> SwarmFileFormat.parse(FILE + "run_as: 'no body'\n", n -> Optional.empty()))
        .isInstanceOfSatisfying(SwarmFileFormat.Invalid.class, e -> assertThat(e.field()).isEqualTo("run_as"));
    assertThatThrownBy(() -> SwarmFileFormat.parse("- a\n- b\n", n -> Optional.empty()))
        .isInstanceOfSatisfying(SwarmFileFormat.Invalid.class, e -> assertThat(e.field()).isEqualTo("the document"));
  }

  @Test
  void theUpdateBlockIsReadWithSnakeCaseKeys() {
    SwarmFileFormat.Parsed p = SwarmFileFormat.parse(FILE + "update:\n  max_parallel: 1\n  max_surge: 50%\n"
        + "  min_in_service: 2\n  canary: 1\n  min_healthy_seconds: 10\n  drain_seconds: 5\n  auto_revert: true\n",
        n -> Optional.empty());
    io.velociraptor.core.model.UpdatePolicy u = p.swarm().update().orElseThrow();
    assertThat(u.maxParallel()).isEqualTo(io.velociraptor.core.model.ProcCount.of(1));
    assertThat(u.maxSurge()).contains(io.velociraptor.core.model.ProcCount.percent(50));
    assertThat(u.minInService()).isEqualTo(io.velociraptor.core.model.ProcCount.of(2));
    assertThat(u.canary()).isEqualTo(1);
    assertThat(u.minHealthySeconds()).isEqualTo(10);
    assertThat(u.drainSeconds()).isEqualTo(5);
    assertThat(u.onFailure()).isEqualTo(io.velociraptor.core.model.OnFailure.REVERT);
    assertThat(SwarmFileFormat.parse(FILE, n -> Optional.empty()).swarm().update()).isEmpty();
  }

  @Test
  void aSwarmMaySetItsOwnPeriodicUptestIntervalInWholeSecondsFromOneToADay() {
    SwarmFileFormat.Parsed p = SwarmFileFormat.parse(FILE + "uptest_interval_seconds: 15\n", n -> Optional.empty());
    assertThat(p.swarm().uptestIntervalSeconds()).contains(15);
    assertThat(VrJson.writeJson(p.swarm())).contains("\"uptest_interval_seconds\" : 15");
    assertThat(SwarmFileFormat.parse(FILE, n -> Optional.empty()).swarm().uptestIntervalSeconds()).isEmpty();
    assertThat(VrJson.writeJson(SwarmFileFormat.parse(FILE, n -> Optional.empty()).swarm()))
        .doesNotContain("uptest_interval");
    for (String bad : new String[] {"0", "-5", "86401"}) {
      assertThatThrownBy(() -> SwarmFileFormat.parse(FILE + "uptest_interval_seconds: " + bad + "\n",
          n -> Optional.empty()))
          .isInstanceOfSatisfying(SwarmFileFormat.Invalid.class, e -> {
            assertThat(e.field()).isEqualTo("uptest_interval_seconds");
            assertThat(e.problem()).contains(bad).contains("between 1 and 86400");
          });
    }
    assertThatThrownBy(() -> SwarmFileFormat.parse(FILE + "uptest_interval_seconds: soon\n", n -> Optional.empty()))
        .isInstanceOfSatisfying(SwarmFileFormat.Invalid.class,
            e -> assertThat(e.field()).isEqualTo("uptest_interval_seconds"));
  }

  @Test
  void updateMistakesNameTheUpdateKey() {
    assertThatThrownBy(() -> SwarmFileFormat.parse(FILE + "update:\n  max_parallel: 0\n", n -> Optional.empty()))
        .isInstanceOfSatisfying(SwarmFileFormat.Invalid.class, e -> {
          assertThat(e.field()).isEqualTo("update.max_parallel");
          assertThat(e.problem()).contains("\"0\"");
        });
    assertThatThrownBy(() -> SwarmFileFormat.parse(FILE + "update:\n  canary: 4\n", n -> Optional.empty()))
        .isInstanceOfSatisfying(SwarmFileFormat.Invalid.class, e -> {
          assertThat(e.field()).isEqualTo("update.canary");
          assertThat(e.problem()).contains("must not exceed the swarm's size 3");
        });
    assertThatThrownBy(() -> SwarmFileFormat.parse(FILE + "update:\n  max_surge: 150%\n", n -> Optional.empty()))
        .isInstanceOfSatisfying(SwarmFileFormat.Invalid.class, e -> {
          assertThat(e.field()).isEqualTo("update.max_surge");
          assertThat(e.problem()).contains("150%");
        });
  }
}
