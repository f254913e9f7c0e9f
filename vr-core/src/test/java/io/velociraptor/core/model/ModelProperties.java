package io.velociraptor.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.core.testing.Gen;
import io.velociraptor.core.testing.ModelGen;
import io.velociraptor.core.testing.PropertyRunner;
import org.junit.jupiter.api.Test;

class ModelProperties {
  @Test
  void parsingAFormattedProgramNameGivesItBack() {
    PropertyRunner.property("parse(format(x)) == x for our names").check(ModelGen.oursNames(),
        name -> assertThat(ProcName.parse(name.format())).isEqualTo(name));
  }

  @Test
  void everyProgramNameParsesToSomethingThatFormatsBackToTheSameText() {
    PropertyRunner.property("format(parse(s)) == s").check(ModelGen.procNames().map(ProcName::format), text -> {
      ProcName parsed = ProcName.parse(text);
      assertThat(parsed.format()).isEqualTo(text);
      assertThat(ProcName.parse(parsed.format())).isEqualTo(parsed);
      assertThat(parsed.port().isPresent()).isEqualTo(parsed.kind() != ProcName.Kind.FOREIGN);
    });
  }

  @Test
  void arbitraryTextNeverBreaksTheParser() {
    PropertyRunner.property("parse never throws on non-empty text").check(Gen.strings(ModelGen.ANY_CHARS, 1, 60),
        text -> assertThat(ProcName.parse(text).format()).isEqualTo(text));
  }

  @Test
  void swarmsRoundTripThroughJsonAndYaml() {
    PropertyRunner.property("swarm JSON and YAML round trip").check(ModelGen.swarms(), swarm -> {
      assertThat(VrJson.readJson(VrJson.writeJson(swarm), Swarm.class)).isEqualTo(swarm);
      assertThat(VrJson.readYaml(VrJson.writeYaml(swarm), Swarm.class)).isEqualTo(swarm);
    });
  }

  @Test
  void programNamesRoundTripThroughJson() {
    PropertyRunner.property("proc name JSON round trip").check(ModelGen.procNames(),
        name -> assertThat(VrJson.readJson(VrJson.writeJson(name), ProcName.class)).isEqualTo(name));
  }

  @Test
  void releaseHashDoesNotDependOnMapInsertionOrder() {
    PropertyRunner.property("release hash ignores key order").check(ModelGen.settings(), settings -> {
      java.util.List<String> keys = new java.util.ArrayList<>(settings.asMap().keySet());
      java.util.Collections.reverse(keys);
      java.util.Map<String, Object> reversed = new java.util.LinkedHashMap<>();
      keys.forEach(k -> reversed.put(k, settings.asMap().get(k)));
      assertThat(ReleaseHashes.of("b", Settings.of(reversed), Env.empty(), java.util.List.of(), "nobody",
          java.util.Optional.empty(), java.util.Optional.empty()))
          .isEqualTo(ReleaseHashes.of("b", settings, Env.empty(), java.util.List.of(), "nobody",
              java.util.Optional.empty(), java.util.Optional.empty()));
    });
  }
}
