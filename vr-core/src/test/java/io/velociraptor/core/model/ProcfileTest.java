package io.velociraptor.core.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class ProcfileTest {

  /** The builder's reading (formerly vr-buildpack's Procfile). */
  @Nested
  class Strict {
    @Test
    void readsNameColonCommandLines() {
      Procfile p = Procfile.parse("web: bin/server --port $PORT\nworker: bin/worker\n");
      assertThat(p.processTypes()).containsExactly(
          Map.entry("web", "bin/server --port $PORT"), Map.entry("worker", "bin/worker"));
      assertThat(p.command("web")).contains("bin/server --port $PORT");
      assertThat(p.command("clock")).isEmpty();
    }

    @Test
    void ignoresCommentsBlankLinesAndSurroundingWhitespace() {
      Procfile p = Procfile.parse(
          "\uFEFF# the web proc\n\n   \nweb:   bin/server   \r\n  # indented comment\n\tclock:bin/clock\n");
      assertThat(p.processTypes())
          .containsExactly(Map.entry("clock", "bin/clock"), Map.entry("web", "bin/server"));
    }

    @Test
    void keepsCommandsThatYamlWouldMangleVerbatim() {
      Procfile p = Procfile.parse(YAML_HOSTILE);
      assertYamlHostileCommandsKept(p);
    }

    @Test
    void anEmptyOrCommentOnlyFileHasNoProcessTypes() {
      assertThat(Procfile.parse("").isEmpty()).isTrue();
      assertThat(Procfile.parse("# nothing\n\n").isEmpty()).isTrue();
      assertThat(Procfile.parse("")).isEqualTo(Procfile.empty());
    }

    @Test
    void rejectsADashedProcTypeNameNamingTheLineAndSuggestingUnderscore() {
      assertThatThrownBy(() -> Procfile.parse("web: a\nbg-worker: b\n"))
          .isInstanceOfSatisfying(InvalidProcfileException.class, e -> {
            assertThat(e.line()).isEqualTo(2);
            assertThat(e.badValue()).isEqualTo("bg-worker");
          })
          .hasMessageContaining("line 2")
          .hasMessageContaining("'bg-worker'")
          .hasMessageContaining("use '_' instead of '-'");
    }

    @Test
    void rejectsALineWithoutAColon() {
      assertThatThrownBy(() -> Procfile.parse("web bin/server\n"))
          .isInstanceOf(InvalidProcfileException.class)
          .hasMessageContaining("line 1")
          .hasMessageContaining("'web bin/server'");
    }

    @Test
    void rejectsAnEmptyCommand() {
      assertThatThrownBy(() -> Procfile.parse("web:   \n"))
          .isInstanceOf(InvalidProcfileException.class)
          .hasMessageContaining("empty command");
    }

    @Test
    void rejectsAProcTypeDefinedTwice() {
      assertThatThrownBy(() -> Procfile.parse("web: a\n\nweb: b\n"))
          .isInstanceOf(InvalidProcfileException.class)
          .hasMessageContaining("line 3")
          .hasMessageContaining("first on line 1");
    }

    @Test
    void rejectsATooLongName() {
      String name = "w".repeat(65);
      assertThatThrownBy(() -> Procfile.parse(name + ": x"))
          .isInstanceOf(InvalidProcfileException.class)
          .hasMessageContaining(name);
    }

    @Test
    void formatsSortedAndParsesBackToTheSame() {
      Procfile p = Procfile.parse("worker: w\nweb: a: b\n");
      assertThat(p.format()).isEqualTo("web: a: b\nworker: w\n");
      assertThat(Procfile.parse(p.format())).isEqualTo(p);
    }

    @Test
    void ofRejectsMultiLineCommands() {
      assertThatThrownBy(() -> Procfile.of(Map.of("web", "a\nb: c")))
          .isInstanceOf(InvalidProcfileException.class)
          .hasMessageContaining("one trimmed line");
    }

    @Test
    void ofRejectsANameAProcfileWouldRefuse() {
      assertThatThrownBy(() -> Procfile.of(Map.of("bad-name", "x")))
          .isInstanceOfSatisfying(InvalidProcfileException.class,
              e -> assertThat(e.badValue()).isEqualTo("bad-name"));
    }
  }

  /** The runner's reading (formerly vr-lxc's Procfile). */
  @Nested
  class Lenient {
    @Test
    void readsProcfileLinesNotYaml() {
      assertThat(Procfile.parseLenient(
              "# comment\nweb: gunicorn app:wsgi --bind :$PORT\nworker: celery -A x: y\n\n")
          .processTypes())
          .containsEntry("web", "gunicorn app:wsgi --bind :$PORT")
          .containsEntry("worker", "celery -A x: y");
    }

    @Test
    void keepsCommandsThatYamlWouldMangleVerbatim() {
      assertYamlHostileCommandsKept(Procfile.parseLenient(YAML_HOSTILE));
    }

    @Test
    void skipsWhatTheStrictReadingRefusesInsteadOfFailing() {
      Procfile p = Procfile.parseLenient(
          "web bin/server\nempty:   \nweb: first\r\nweb: second\nbg-worker: b\n"
              + "w".repeat(65) + ": long\n  # comment\n\tclock:bin/clock  \n");
      assertThat(p.processTypes()).containsExactly(
          Map.entry("bg-worker", "b"),
          Map.entry("clock", "bin/clock"),
          Map.entry("web", "first"),
          Map.entry("w".repeat(65), "long"));
    }

    @Test
    void anEmptyOrCommentOnlyFileHasNoProcessTypes() {
      assertThat(Procfile.parseLenient("").isEmpty()).isTrue();
      assertThat(Procfile.parseLenient("# nothing\n\n").isEmpty()).isTrue();
    }

    @Test
    void skipsNamesWithCharactersOutsideLettersDigitsDotDashAndUnderscore() {
      assertThat(Procfile.parseLenient("a b: x\nw/x: y\nok: z\n").processTypes())
          .containsExactly(Map.entry("ok", "z"));
    }
  }

  private static final String YAML_HOSTILE = String.join("\n",
      "web: python -c \"print({'a': 1})\"",
      "worker: run --opt=a:b:c & wait",
      "flags: cmd *.txt | grep x # not a comment",
      "quoted: 'single' \"double\" `tick`",
      "yes: echo yes",
      "alias: echo &anchor *alias");

  private static void assertYamlHostileCommandsKept(Procfile p) {
    assertThat(p.processTypes()).containsEntry("web", "python -c \"print({'a': 1})\"")
        .containsEntry("worker", "run --opt=a:b:c & wait")
        .containsEntry("flags", "cmd *.txt | grep x # not a comment")
        .containsEntry("quoted", "'single' \"double\" `tick`")
        .containsEntry("yes", "echo yes")
        .containsEntry("alias", "echo &anchor *alias");
  }
}
