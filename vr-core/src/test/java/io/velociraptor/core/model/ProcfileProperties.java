package io.velociraptor.core.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.velociraptor.testkit.Gen;
import io.velociraptor.testkit.PropertyRunner;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ProcfileProperties {
  private static final String NAME_CHARS =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.";
  // everything a command may hold on its one line, YAML's special characters included
  private static final String COMMAND_CHARS = NAME_CHARS
      + " \t:#'\"&*{}[]|$-=/\\`~!%^()<>?,;@\u00e9\u4e2d\ud83d\ude42";

  static Gen<SortedMap<String, String>> validProcessTypes() {
    Gen<String> name = Gen.strings(NAME_CHARS, 1, 64);
    Gen<String> command = Gen.strings(COMMAND_CHARS, 1, 80)
        .filter(c -> c.equals(c.strip()) && !c.isEmpty());
    return Gen.listOf((r, s) -> Map.entry(name.generate(r, s), command.generate(r, s)), 0, 12)
        .map(entries -> {
          SortedMap<String, String> m = new TreeMap<>();
          entries.forEach(e -> m.put(e.getKey(), e.getValue()));
          return m;
        });
  }

  @Test
  void formattingThenParsingStrictlyGivesTheSameProcessTypesBack() {
    PropertyRunner.property("Procfile parse(format(m)) == m").check(validProcessTypes(), types -> {
      Procfile p = Procfile.of(types);
      assertThat(p.processTypes()).isEqualTo(types);
      assertThat(Procfile.parse(p.format()).processTypes()).isEqualTo(types);
    });
  }

  @Test
  void theLenientReadingAgreesWithTheStrictOneOnEveryValidProcfile() {
    PropertyRunner.property("Procfile parseLenient(format(m)) == m").check(validProcessTypes(),
        types -> assertThat(Procfile.parseLenient(Procfile.of(types).format()).processTypes())
            .isEqualTo(types));
  }
}
