package io.velociraptor.supervisor.events;

import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.velociraptor.core.json.VrJson;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A listener that writes each event as one JSON object per line, keys sorted ({@code event}, {@code serial},
 * {@code pool}, {@code headers}; for process states {@code process_name}, {@code group_name},
 * {@code from_state}, {@code state}, {@code pid}, {@code expected}, {@code tries}; for ticks
 * {@code when}; otherwise {@code payload_headers} and {@code data}), flushed per event.
 */
public final class JsonLinesSink implements SupervisorEventListener, AutoCloseable {
  private final ObjectWriter json = VrJson.json().writer().without(SerializationFeature.INDENT_OUTPUT);
  private final OutputStream out;
  private final boolean owned;

  private JsonLinesSink(OutputStream out, boolean owned) {
    this.out = out;
    this.owned = owned;
  }

  /**
   * A sink that appends to {@code file}; close it to close the file.
   *
   * @param file a file to append to (created if missing)
   * @return the sink; close it to close the file
   * @throws IOException if the file cannot be opened
   */
  public static JsonLinesSink appendingTo(Path file) throws IOException {
    return new JsonLinesSink(Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND,
        StandardOpenOption.WRITE), true);
  }

  /**
   * A sink that writes to {@code out} and leaves it open when closed.
   *
   * @param out a stream (not closed by the sink); never the listener's stdout under Supervisor
   * @return the sink
   */
  public static JsonLinesSink writingTo(OutputStream out) {
    return new JsonLinesSink(Objects.requireNonNull(out, "out"), false);
  }

  /**
   * Returns its JSON-lines form, without the newline.
   *
   * @param event an event
   * @return its JSON-lines form, without the newline
   * @throws IOException if it cannot be serialized
   */
  public String format(SupervisorEvent event) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("event", event.name());
    m.put("serial", event.header().serial());
    m.put("pool", event.header().pool());
    if (event instanceof SupervisorEvent.ProcessState p) {
      m.put("process_name", p.processName());
      m.put("group_name", p.groupName());
      m.put("from_state", p.from().name());
      m.put("state", p.to().name());
      p.pid().ifPresent(v -> m.put("pid", v));
      p.expected().ifPresent(v -> m.put("expected", v));
      p.tries().ifPresent(v -> m.put("tries", v));
    } else if (event instanceof SupervisorEvent.Tick t) {
      m.put("when", t.when().toString());
    } else if (event instanceof SupervisorEvent.Other o) {
      m.put("payload_headers", o.payloadHeaders());
      m.put("data", o.data());
    }
    return json.writeValueAsString(m);
  }

  /** Writes the event as one JSON line and flushes it. */
  @Override
  public synchronized void onEvent(SupervisorEvent event) throws IOException {
    out.write((format(event) + "\n").getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  /** Closes the output if this sink opened it. */
  @Override
  public void close() throws IOException {
    if (owned) {
      out.close();
    }
  }
}
