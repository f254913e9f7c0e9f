package io.velociraptor.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.spi.ProgramSpec;
import org.junit.jupiter.api.Test;

class ProgramSectionTest {
  private static ProgramSpec.Builder web() {
    return ProgramSpec.builder().name("web-1.0-prod-abcdef12-web-5000-abcdefgh")
        .argv("/usr/bin/vrun", "run", "/apps/procs/web/proc.yaml");
  }

  @Test
  void rendersEveryKeyOfATypicalProcInAFixedOrder() {
    ProgramSpec spec = web().directory("/apps/procs/web").user("root").putEnvironment("PORT", "5000")
        .autoRestart(ProgramSpec.AutoRestart.ALWAYS).startSecs(3).stopWaitSecs(20).stopAsGroup(true)
        .stdoutLogfile("/apps/procs/web/log").stdoutLogfileMaxBytes(10_000_000).stdoutLogfileBackups(1).build();
    assertThat(ProgramSection.render(spec)).isEqualTo("""
        [program:web-1.0-prod-abcdef12-web-5000-abcdefgh]
        command='/usr/bin/vrun' 'run' '/apps/procs/web/proc.yaml'
        directory=/apps/procs/web
        user=root
        environment=PORT="5000"
        autostart=true
        autorestart=true
        exitcodes=0
        startsecs=3
        startretries=3
        stopsignal=TERM
        stopwaitsecs=20
        stopasgroup=true
        killasgroup=true
        redirect_stderr=true
        stdout_logfile=/apps/procs/web/log
        stdout_logfile_maxbytes=10000000
        stdout_logfile_backups=1
        """);
    assertThat(ProgramSection.fileName(spec)).isEqualTo("web-1.0-prod-abcdef12-web-5000-abcdefgh.conf");
  }

  @Test
  void quotesArgumentsSoPercentSemicolonAndQuotesStayLiteral() {
    String line = ProgramSection.render(web().argv("/bin/echo", "it's 100% ;done #1").build()).lines()
        .filter(l -> l.startsWith("command=")).findFirst().orElseThrow();
    assertThat(line).isEqualTo("command='/bin/echo' 'it'\"'\"'s 100%%'' '';done ''#1'");
  }

  @Test
  void rejectsALineBreakInAnArgumentNamingTheProgramAndTheArgument() {
    assertThatThrownBy(() -> ProgramSection.render(web().argv("/bin/echo", "a\n[program:evil]").build()))
        .isInstanceOfSatisfying(InvalidValueException.class, e -> {
          assertThat(e.field()).isEqualTo("argv[1] of program web-1.0-prod-abcdef12-web-5000-abcdefgh");
          assertThat(e.getMessage()).contains("\\n[program:evil]").contains("line breaks");
        });
  }

  @Test
  void rejectsEnvironmentValuesSupervisorCannotCarry() {
    assertThatThrownBy(() -> ProgramSection.render(web().putEnvironment("A", "it's \"x\"").build()))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("environment value A").hasMessageContaining("both");
    assertThatThrownBy(() -> ProgramSection.render(web().putEnvironment("A", "'quoted'").build()))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("quote");
    assertThatThrownBy(() -> ProgramSection.render(web().putEnvironment("A", "x ;y").build()))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("comment");
  }

  @Test
  void rejectsHereExpansionInPathsBecauseSupervisorRewritesIt() {
    assertThatThrownBy(() -> ProgramSection.render(web().directory("/srv/%(here)s").build()))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("directory of program");
  }

  @Test
  void theSpecRejectsRelativePathsAndBadNamesBeforeRendering() {
    assertThatThrownBy(() -> web().directory("srv").build()).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("absolute");
    assertThatThrownBy(() -> web().name("web:1").build()).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("program name").hasMessageContaining("web:1");
    assertThatThrownBy(() -> web().putEnvironment("A-B", "x").build()).isInstanceOf(InvalidValueException.class)
        .hasMessageContaining("A-B");
    assertThatThrownBy(() -> web().user("root\nx").build()).isInstanceOf(InvalidValueException.class);
    assertThatThrownBy(() -> web().stopAsGroup(true).killAsGroup(false).build())
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("killasgroup");
  }
}
