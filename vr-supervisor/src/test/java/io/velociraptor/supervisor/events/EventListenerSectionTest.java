package io.velociraptor.supervisor.events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.InvalidValueException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The {@code [eventlistener:vr-events]} section, as an operator pastes it (supervisord reads it in the server's IT). */
class EventListenerSectionTest {
  @Test
  void rendersTheListenerSectionWithEveryValueQuoted() {
    String s = EventListenerSection.render("vr-events", "/usr/bin/java", "/opt/vr/vr.jar",
        URI.create("https://vr.example:7070/api/supervisor-events"), Path.of("/etc/vr/events.token"),
        Optional.of(Path.of("/etc/vr/ca.pem")), Optional.empty());
    assertThat(s).isEqualTo("[eventlistener:vr-events]\n"
        + "command='/usr/bin/java' '-Xmx64m' '-XX:TieredStopAtLevel=1' '-XX:+UseSerialGC' '-cp' '/opt/vr/vr.jar'"
        + " 'io.velociraptor.supervisor.events.EventListenerMain' '--post' 'https://vr.example:7070/api/supervisor-events'"
        + " '--token-file' '/etc/vr/events.token' '--ca-file' '/etc/vr/ca.pem'\n"
        + "events=PROCESS_STATE\nbuffer_size=100\nautostart=true\nautorestart=true\nstartsecs=1\n"
        + "stderr_logfile=AUTO\nstderr_logfile_maxbytes=1MB\n");
  }

  @Test
  void percentSignsAndQuotesCannotStartAnExpansionOrAnArgument() {
    String s = EventListenerSection.render("vr-events", "/usr/bin/java", "/opt/it's/vr.jar",
        URI.create("http://127.0.0.1:7070/api/supervisor-events?x=%41"), Path.of("/etc/vr/t #1"), Optional.empty(),
        Optional.of(Path.of("/var/log/vr-%(here)x.log")));
    assertThat(s).contains("'/opt/it'\"'\"'s/vr.jar'").contains("'http://127.0.0.1:7070/api/supervisor-events?x=%%''41'")
        .contains("'/etc/vr/t ''#1'").contains("stderr_logfile=/var/log/vr-%%%%(here)x.log\n");
    assertThatThrownBy(() -> EventListenerSection.render("vr events", "j", "c", URI.create("http://h/"), Path.of("t"),
        Optional.empty(), Optional.empty())).isInstanceOf(InvalidValueException.class).hasMessageContaining("vr events");
    assertThatThrownBy(() -> EventListenerSection.render("vr-events", "j", "c\nx", URI.create("http://h/"), Path.of("t"),
        Optional.empty(), Optional.empty())).isInstanceOf(InvalidValueException.class).hasMessageContaining("argv[5]");
  }
}
