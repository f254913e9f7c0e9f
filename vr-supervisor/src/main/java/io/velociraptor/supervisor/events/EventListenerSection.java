package io.velociraptor.supervisor.events;

import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.supervisor.ProgramSection;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code [eventlistener:vr-events]} section an operator adds to each host's supervisord.conf
 * so the host's Supervisor events reach {@code vr serve}: it runs {@link EventListenerMain} in its
 * {@code --post} mode, subscribed to {@code PROCESS_STATE} (every process state change), with a
 * buffer of {@value #BUFFER_SIZE} events while the listener is busy. Every value is escaped as
 * {@link ProgramSection} escapes a program's, so no path or URL can add a line or an expansion.
 *
 * <pre>{@code
 * String section = EventListenerSection.render(EventListenerSection.NAME, "/usr/bin/java", "/opt/vr/vr.jar",
 *     URI.create("https://vr.example:7070/api/supervisor-events"), Path.of("/etc/vr/events.token"),
 *     Optional.of(Path.of("/etc/vr/ca.pem")), Optional.empty());
 * }</pre>
 */
public final class EventListenerSection {
  /** The listener's usual name. */
  public static final String NAME = "vr-events";
  /** The events it subscribes to. */
  public static final String EVENTS = "PROCESS_STATE";
  /** How many events supervisord queues for it while it is busy (older ones are dropped beyond). */
  public static final int BUFFER_SIZE = 100;

  private EventListenerSection() {}

  /**
   * Returns the section text, ending with a newline.
   *
   * @param name the listener's name ({@link #NAME} usually)
   * @param java the java executable on the host
   * @param classpath the classpath on the host holding vr-supervisor and its dependencies (the
   *     {@code vr} tool's {@code vr.jar} does)
   * @param url the server's {@code /api/supervisor-events} URL
   * @param tokenFile the file on the host holding an API token of role {@code deploy} (mode 0600)
   * @param caFile for an https URL whose certificate the JVM does not trust: its CA, as PEM
   * @param stderrLogfile where the listener's stderr (its log) goes; empty for Supervisor's AUTO
   * @return the section text
   * @throws InvalidValueException naming the value if it cannot be written safely
   */
  public static String render(String name, String java, String classpath, URI url, Path tokenFile,
      Optional<Path> caFile, Optional<Path> stderrLogfile) {
    Objects.requireNonNull(url, "url");
    if (name == null || !name.matches("[A-Za-z0-9_.-]{1,64}")) {
      throw InvalidValueException.of("event listener name", name, "must be 1 to 64 letters, digits, '_', '.' or '-'");
    }
    String section = "eventlistener:" + name;
    List<String> argv = new ArrayList<>(List.of(java, "-Xmx64m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
        "-cp", classpath, EventListenerMain.class.getName(), "--post", url.toString(), "--token-file",
        tokenFile.toString()));
    caFile.ifPresent(ca -> argv.addAll(List.of("--ca-file", ca.toString())));
    StringBuilder b = new StringBuilder();
    b.append('[').append(section).append("]\n");
    b.append("command=").append(ProgramSection.commandLine(section, argv)).append('\n');
    b.append("events=").append(EVENTS).append('\n');
    b.append("buffer_size=").append(BUFFER_SIZE).append('\n');
    b.append("autostart=true\n");
    b.append("autorestart=true\n");
    b.append("startsecs=1\n");
    b.append("stderr_logfile=").append(stderrLogfile
        .map(f -> ProgramSection.logFileValue(section, "stderr_logfile", f.toString())).orElse("AUTO")).append('\n');
    b.append("stderr_logfile_maxbytes=1MB\n");
    return b.toString();
  }
}
