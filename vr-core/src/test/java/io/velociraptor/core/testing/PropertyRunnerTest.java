package io.velociraptor.core.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class PropertyRunnerTest {
  @Test
  void shrinksAFailingListToTheSmallestCounterexampleAndPrintsTheSeed() {
    Gen<List<Integer>> lists = Gen.listOf(Gen.ints(0, 100), 0, 30);
    assertThatThrownBy(() -> PropertyRunner.property("no element above 90").cases(500)
            .check(lists, Shrinker.dropElements(), l -> assertThat(l).allMatch(i -> i <= 90)))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("property 'no element above 90' failed")
        .hasMessageContaining("replay: -Dvr.property.seed=")
        .hasMessageMatching("(?s).*shrunk in \\d+ steps to:\\n  \\[9[1-9]\\].*|(?s).*shrunk in \\d+ steps to:\\n  \\[100\\].*");
  }

  @Test
  void replayingTheReportedSeedWithOneCaseReproducesTheFailingCase() {
    Gen<Integer> ints = Gen.ints(0, 1_000_000);
    List<Integer> seen = new ArrayList<>();
    String message = "";
    try {
      PropertyRunner.property("below 990000").cases(1000).check(ints, i -> {
        seen.add(i);
        assertThat(i).isLessThan(990_000);
      });
    } catch (AssertionError e) {
      message = e.getMessage();
    }
    assertThat(message).contains("replay:");
    long seed = Long.parseLong(message.replaceAll("(?s).*vr\\.property\\.seed=(-?\\d+).*", "$1"));
    int failing = seen.get(seen.size() - 1);
    List<Integer> replayed = new ArrayList<>();
    assertThatThrownBy(() -> PropertyRunner.property("below 990000").seed(seed).cases(1).check(ints, i -> {
      replayed.add(i);
      assertThat(i).isLessThan(990_000);
    })).isInstanceOf(AssertionError.class);
    assertThat(replayed).containsExactly(failing);
  }

  @Test
  void aPassingPropertyRunsEveryCase() {
    List<Integer> seen = new ArrayList<>();
    PropertyRunner.property("always").cases(37).check(Gen.ints(0, 9), seen::add);
    assertThat(seen).hasSize(37);
  }

  @Test
  void theSameSeedGivesTheSameCases() {
    List<String> a = new ArrayList<>();
    List<String> b = new ArrayList<>();
    PropertyRunner.property("x").seed(42).cases(50).check(ModelGen.procNames().map(Object::toString), a::add);
    PropertyRunner.property("x").seed(42).cases(50).check(ModelGen.procNames().map(Object::toString), b::add);
    assertThat(a).isEqualTo(b).hasSize(50);
  }
}
