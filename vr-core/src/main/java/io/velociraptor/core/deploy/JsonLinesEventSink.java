package io.velociraptor.core.deploy;

import io.velociraptor.core.json.VrJson;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;

/**
 * Writes each event as one line of JSON ({@code {"type":"proc_started","run_id":...}}) and
 * flushes, so a file or pipe can be followed while a dispatch runs.
 */
public final class JsonLinesEventSink implements DispatchListener {
  private final Writer out;

  private JsonLinesEventSink(Writer out) {
    this.out = out;
  }

  /**
   * A sink that writes each event as one JSON line to {@code out}.
   *
   * @param out where to write; the caller closes it
   * @return the sink
   */
  public static JsonLinesEventSink to(Writer out) {
    return new JsonLinesEventSink(out);
  }

  /**
   * Returns its JSON line, without the newline.
   *
   * @param event an event
   * @return its JSON line, without the newline
   */
  public static String line(DispatchEvent event) {
    try {
      return VrJson.json().writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
          .forType(DispatchEvent.class).writeValueAsString(event);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("cannot write event " + event.getClass().getSimpleName(), e);
    }
  }

  /** Writes the event as one JSON line and flushes it. */
  @Override
  public synchronized void on(DispatchEvent event) {
    try {
      out.write(line(event));
      out.write('\n');
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
