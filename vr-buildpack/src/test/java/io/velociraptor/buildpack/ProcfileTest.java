package io.velociraptor.buildpack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ProcfileTest {

  @Test
  void readsNameColonCommandLines() {
    Procfile p = Procfile.parse("web: bin/server --port $PORT\nworker: bin/worker\n");
    assertThat(p.processTypes())
        .containsExactly(Map.entry("web", "bin/server --port $PORT"), Map.entry("worker", "bin/worker"));
  }

  @Test
  void ignoresCommentsBlankLinesAndSurroundingWhitespace() {
    Procfile p = Procfile.parse("\uFEFF# the web proc\n\n   \nweb:   bin/server   \r\n  # indented comment\n\tclock:bin/clock\n");
    assertThat(p.processTypes())
        .containsExactly(Map.entry("clock", "bin/clock"), Map.entry("web", "bin/server"));
  }

  @Test
  void keepsCommandsThatYamlWouldMangleVerbatim() {
    String text = String.join("\n",
        "web: python -c \"print({'a': 1})\"",
        "worker: run --opt=a:b:c & wait",
        "flags: cmd *.txt | grep x # not a comment",
        "quoted: 'single' \"double\" `tick`",
        "yes: echo yes",
        "alias: echo &anchor *alias");
    Procfile p = Procfile.parse(text);
    assertThat(p.processTypes()).containsEntry("web", "python -c \"print({'a': 1})\"")
        .containsEntry("worker", "run --opt=a:b:c & wait")
        .containsEntry("flags", "cmd *.txt | grep x # not a comment")
        .containsEntry("quoted", "'single' \"double\" `tick`")
        .containsEntry("yes", "echo yes")
        .containsEntry("alias", "echo &anchor *alias");
  }

  @Test
  void anEmptyOrCommentOnlyFileHasNoProcessTypes() {
    assertThat(Procfile.parse("").isEmpty()).isTrue();
    assertThat(Procfile.parse("# nothing\n\n").isEmpty()).isTrue();
  }

  @Test
  void rejectsADashedProcTypeNameNamingTheLineAndSuggestingUnderscore() {
    assertThatThrownBy(() -> Procfile.parse("web: a\nbg-worker: b\n"))
        .isInstanceOf(InvalidBuildInputException.class)
        .hasMessageContaining("line 2")
        .hasMessageContaining("'bg-worker'")
        .hasMessageContaining("use '_' instead of '-'");
  }

  @Test
  void rejectsALineWithoutAColon() {
    assertThatThrownBy(() -> Procfile.parse("web bin/server\n"))
        .isInstanceOf(InvalidBuildInputException.class)
        .hasMessageContaining("line 1")
        .hasMessageContaining("'web bin/server'");
  }

  @Test
  void rejectsAnEmptyCommand() {
    assertThatThrownBy(() -> Procfile.parse("web:   \n"))
        .isInstanceOf(InvalidBuildInputException.class)
        .hasMessageContaining("empty command");
  }

  @Test
  void rejectsAProcTypeDefinedTwice() {
    assertThatThrownBy(() -> Procfile.parse("web: a\n\nweb: b\n"))
        .isInstanceOf(InvalidBuildInputException.class)
        .hasMessageContaining("line 3")
        .hasMessageContaining("first on line 1");
  }

  @Test
  void rejectsATooLongName() {
    String name = "w".repeat(65);
    assertThatThrownBy(() -> Procfile.parse(name + ": x"))
        .isInstanceOf(InvalidBuildInputException.class)
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
        .isInstanceOf(InvalidBuildInputException.class);
  }
}
