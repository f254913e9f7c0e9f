package io.velociraptor.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.core.json.VrJson;
import io.velociraptor.testkit.Gen;
import io.velociraptor.testkit.ModelGen;
import io.velociraptor.testkit.PropertyRunner;
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
  void programNamesSortExactlyAsTheirFormattedTextsSort() {
    Gen<ProcName.Ours> ours = ModelGen.oursNames();
    // b is often a with one field taken from another name, so long shared prefixes are common
    Gen<ProcName[]> pairs = (r, size) -> {
      if (r.nextInt(4) == 0) {
        return new ProcName[] {ModelGen.procNames().generate(r, size), ModelGen.procNames().generate(r, size)};
      }
      ProcName.Ours a = ours.generate(r, size);
      ProcName.Ours o = ours.generate(r, size);
      int[] scales = {10, 100, 1000, 100_000};
      int spread = scales[r.nextInt(scales.length)];
      Port near = Port.of(Math.max(1, Math.min(65535, a.portNumber().value() + r.nextInt(2 * spread + 1) - spread)));
      ProcName.Ours b = switch (r.nextInt(8)) {
        case 0 -> new ProcName.Ours(o.app(), a.versionName(), a.config(), a.hash(), a.procType(), a.portNumber(), a.swarmId());
        case 1 -> new ProcName.Ours(a.app(), o.versionName(), a.config(), a.hash(), a.procType(), a.portNumber(), a.swarmId());
        case 2 -> new ProcName.Ours(a.app(), a.versionName(), o.config(), a.hash(), a.procType(), a.portNumber(), a.swarmId());
        case 3 -> new ProcName.Ours(a.app(), a.versionName(), a.config(), o.hash(), a.procType(), a.portNumber(), a.swarmId());
        case 4 -> new ProcName.Ours(a.app(), a.versionName(), a.config(), a.hash(), o.procType(), a.portNumber(), a.swarmId());
        case 5 -> new ProcName.Ours(a.app(), a.versionName(), a.config(), a.hash(), a.procType(), near, a.swarmId());
        case 6 -> new ProcName.Ours(a.app(), a.versionName(), a.config(), a.hash(), a.procType(), a.portNumber(), o.swarmId());
        default -> a;
      };
      return new ProcName[] {a, b};
    };
    PropertyRunner.property("signum(a.compareTo(b)) == signum(a.format().compareTo(b.format()))")
        .describedBy((ProcName[] pair) -> pair[0] + " vs " + pair[1])
        .check(pairs, pair -> {
          assertThat(Integer.signum(pair[0].compareTo(pair[1])))
              .isEqualTo(Integer.signum(pair[0].format().compareTo(pair[1].format())));
          assertThat(Integer.signum(pair[1].compareTo(pair[0])))
              .isEqualTo(-Integer.signum(pair[0].compareTo(pair[1])));
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
