package io.velociraptor.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.json.InvalidInputException;
import io.velociraptor.core.json.VrJson;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** The update policy: its defaults, its N-or-P% counts, and every validation error naming its field and value. */
class UpdatePolicyTest {
  static Swarm swarm(int size, UnaryOperator<ImmutableUpdatePolicy.Builder> policy) {
    return Swarm.builder().id(SwarmId.of("abcdefgh")).app(AppName.of("shop")).procType(ProcTypeName.of("web"))
        .config(ConfigName.of("prod")).squad(SquadName.of("main")).version(Version.of("v2")).size(size)
        .update(policy.apply(UpdatePolicy.builder()).build()).build();
  }

  @Test
  void theDefaultsRollEverythingAtOnce() {
    UpdatePolicy d = UpdatePolicy.defaults();
    assertThat(d.maxParallel()).isEqualTo(ProcCount.percent(100));
    assertThat(d.maxSurge()).isEmpty();
    assertThat(d.minInService()).isEqualTo(ProcCount.percent(100));
    assertThat(d.canary()).isZero();
    assertThat(d.onFailure()).isEqualTo(OnFailure.STOP);
    assertThat(d.parallelFor(200)).isEqualTo(200);
    assertThat(d.procLimitFor(200)).isEmpty();
    assertThat(d.minInServiceFor(7)).isEqualTo(7);
    assertThat(d.isDefault()).isTrue();
    assertThat(UpdatePolicy.builder().maxParallel(ProcCount.of(2)).build().isDefault()).isFalse();
  }

  @Test
  void aSwarmWithoutAPolicyRollsByTheDefaults() {
    Swarm s = swarm(3, b -> b).toBuilder().update(java.util.Optional.empty()).build();
    assertThat(s.update()).isEmpty();
    assertThat(s.updatePolicy()).isEqualTo(UpdatePolicy.defaults());
  }

  @Test
  void percentsResolveAgainstTheSizeRoundedUp() {
    assertThat(ProcCount.parse("10%").resolve(5)).isEqualTo(1);
    assertThat(ProcCount.parse("10%").resolve(200)).isEqualTo(20);
    assertThat(ProcCount.parse("50%").resolve(3)).isEqualTo(2);
    assertThat(ProcCount.parse("0%").resolve(9)).isZero();
    assertThat(ProcCount.parse("2").resolve(100)).isEqualTo(2);
    UpdatePolicy p = UpdatePolicy.builder().maxParallel(ProcCount.percent(1)).maxSurge(ProcCount.percent(1)).build();
    assertThat(p.parallelFor(0)).isEqualTo(1);
    assertThat(p.procLimitFor(10)).contains(11);
  }

  @Test
  void countsAreNumbersAndPercentsAreTextOnTheWire() {
    UpdatePolicy p = UpdatePolicy.builder().maxParallel(ProcCount.of(2)).maxSurge(ProcCount.percent(25)).build();
    String json = VrJson.writeJson(p);
    assertThat(json).contains("\"max_parallel\" : 2").contains("\"max_surge\" : \"25%\"")
        .contains("\"min_in_service\" : \"100%\"").contains("\"on_failure\" : \"stop\"");
    assertThat(VrJson.readJson(json, UpdatePolicy.class)).isEqualTo(p);
    assertThat(VrJson.readYaml("max_parallel: 10%\nmax_surge: '3'\n", UpdatePolicy.class))
        .isEqualTo(UpdatePolicy.builder().maxParallel(ProcCount.percent(10)).maxSurge(ProcCount.of(3)).build());
  }

  @Test
  void autoRevertIsOnFailureRevert() {
    UpdatePolicy p = VrJson.readYaml("auto_revert: true\n", UpdatePolicy.class);
    assertThat(p.onFailure()).isEqualTo(OnFailure.REVERT);
    assertThat(VrJson.readYaml("on_failure: revert\n", UpdatePolicy.class).autoRevert()).isFalse();
  }

  @Nested
  class Refuses {
    @Test
    void maxParallelZero() {
      assertThatThrownBy(() -> UpdatePolicy.builder().maxParallel(ProcCount.of(0)).build())
          .isInstanceOf(InvalidValueException.class).hasMessageStartingWith("invalid update.max_parallel \"0\": must be at least 1");
      assertThatThrownBy(() -> UpdatePolicy.builder().maxParallel(ProcCount.percent(0)).build())
          .hasMessageStartingWith("invalid update.max_parallel \"0%\"");
    }

    @Test
    void maxSurgeZero() {
      assertThatThrownBy(() -> UpdatePolicy.builder().maxSurge(ProcCount.of(0)).build())
          .isInstanceOf(InvalidValueException.class).hasMessageStartingWith("invalid update.max_surge \"0\"");
    }

    @Test
    void aCanaryLargerThanTheSize() {
      assertThatThrownBy(() -> swarm(3, b -> b.canary(4)))
          .isInstanceOf(InvalidValueException.class)
          .hasMessage("invalid update.canary \"4\": must not exceed the swarm's size 3");
    }

    @Test
    void aCanaryLargerThanTheSurge() {
      assertThatThrownBy(() -> swarm(6, b -> b.canary(3).maxSurge(ProcCount.of(2))))
          .isInstanceOf(InvalidValueException.class).hasMessageStartingWith("invalid update.canary \"3\": must not exceed max_surge 2");
      assertThat(swarm(6, b -> b.canary(3).maxSurge(ProcCount.percent(50))).updatePolicy().canary()).isEqualTo(3);
    }

    @Test
    void minInServiceLargerThanTheSize() {
      assertThatThrownBy(() -> swarm(3, b -> b.minInService(ProcCount.of(4))))
          .isInstanceOf(InvalidValueException.class)
          .hasMessageStartingWith("invalid update.min_in_service \"4\": must not exceed the swarm's size 3");
    }

    @Test
    void aOnePerHostSwarmIsCheckedAgainstItsHostsWhenPlanned() {
      // its size is its number of hosts, unknown here: the planner clamps instead
      Swarm s = swarm(1, b -> b).toBuilder().onePerHost(true).update(UpdatePolicy.builder().canary(3).build()).build();
      assertThat(s.updatePolicy().canary()).isEqualTo(3);
    }

    @Test
    void negativeCountsAndSeconds() {
      assertThatThrownBy(() -> UpdatePolicy.builder().canary(-1).build())
          .hasMessage("invalid update.canary \"-1\": must not be negative");
      assertThatThrownBy(() -> UpdatePolicy.builder().minHealthySeconds(-5).build())
          .hasMessage("invalid update.min_healthy_seconds \"-5\": must not be negative");
      assertThatThrownBy(() -> UpdatePolicy.builder().drainSeconds(-1).build())
          .hasMessage("invalid update.drain_seconds \"-1\": must not be negative");
    }

    @Test
    void badPercentsAndText() {
      assertThatThrownBy(() -> ProcCount.parse("150%"))
          .hasMessage("invalid proc count \"150%\": a percent must be from 0% to 100%");
      assertThatThrownBy(() -> ProcCount.parse("abc")).isInstanceOf(InvalidValueException.class)
          .hasMessageStartingWith("invalid proc count \"abc\": write a whole number of procs (2) or a percent");
      assertThatThrownBy(() -> ProcCount.parse("-2")).hasMessageContaining("\"-2\"");
      assertThatThrownBy(() -> ProcCount.parse("%")).hasMessageContaining("\"%\"");
    }

    @Test
    void badValuesOnTheWireNamingTheKey() {
      assertThatThrownBy(() -> VrJson.readYaml("max_parallel: 150%\n", UpdatePolicy.class))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("max_parallel").hasMessageContaining("150%");
      assertThatThrownBy(() -> VrJson.readYaml("max_surge: abc\n", UpdatePolicy.class))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("max_surge").hasMessageContaining("\"abc\"");
      assertThatThrownBy(() -> VrJson.readYaml("max_parallel: 2.5\n", UpdatePolicy.class))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("max_parallel").hasMessageContaining("2.5");
      assertThatThrownBy(() -> VrJson.readYaml("on_failure: retry\n", UpdatePolicy.class))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("update.on_failure \"retry\": must be stop or revert");
      assertThatThrownBy(() -> VrJson.readYaml("auto_revert: true\non_failure: stop\n", UpdatePolicy.class))
          .isInstanceOf(InvalidInputException.class).hasMessageContaining("contradicts auto_revert");
    }
  }
}
