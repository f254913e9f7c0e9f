package io.velociraptor.supervisor.events;

import io.velociraptor.core.model.ProcState;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Supervisor's event-listener protocol, the listener's side: write {@code READY}, read one header
 * line of {@code key:value} tokens, read exactly {@code len} bytes of payload, hand the typed
 * event to the listener, answer {@code RESULT 2\nOK} (or {@code RESULT 4\nFAIL} when the listener
 * throws, so Supervisor re-sends it), and go on. Tokens split at their first colon, so values may
 * hold colons (the original split at every one).
 */
public final class EventListenerProtocol {
  private static final Logger LOG = LoggerFactory.getLogger(EventListenerProtocol.class);
  private static final int MAX_HEADER = 8192;

  private final InputStream in;
  private final OutputStream out;

  private EventListenerProtocol(InputStream in, OutputStream out) {
    this.in = in;
    this.out = out;
  }

  /**
   * The protocol over Supervisor's stream {@code in} and the answers to {@code out}.
   *
   * @param in what Supervisor writes (the listener's stdin)
   * @param out where the listener answers (its stdout: nothing else may write there)
   * @return the protocol
   */
  public static EventListenerProtocol of(InputStream in, OutputStream out) {
    return new EventListenerProtocol(in, out);
  }

  /**
   * Serves events until Supervisor closes the stream.
   *
   * @param listener gets every event
   * @return how many events were handled
   * @throws IOException if reading or writing fails
   * @throws EventProtocolException if Supervisor sends a malformed header
   */
  public long serve(SupervisorEventListener listener) throws IOException {
    long n = 0;
    while (true) {
      write("READY\n");
      Optional<SupervisorEvent> event = next();
      if (event.isEmpty()) {
        return n;
      }
      n++;
      try {
        listener.onEvent(event.get());
        write("RESULT 2\nOK");
      } catch (Exception e) {
        LOG.warn("listener failed on {}: {}", event.get().name(), e.toString());
        write("RESULT 4\nFAIL");
      }
    }
  }

  private void write(String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  /**
   * Reads one event (without writing READY or a result).
   *
   * @return the event, or empty at end of stream
   * @throws IOException if reading fails or the stream ends inside an event
   * @throws EventProtocolException if the header is malformed
   */
  public Optional<SupervisorEvent> next() throws IOException {
    String headerLine = readLine();
    if (headerLine == null) {
      return Optional.empty();
    }
    Map<String, String> header = tokens(headerLine);
    String lenText = header.get("len");
    if (lenText == null || !lenText.matches("[0-9]{1,9}")) {
      throw new EventProtocolException("event header without a valid len: " + headerLine);
    }
    int len = Integer.parseInt(lenText);
    byte[] payload = in.readNBytes(len);
    if (payload.length != len) {
      throw new EOFException("stream ended after " + payload.length + " of " + len + " payload bytes");
    }
    return Optional.of(parse(header, new String(payload, StandardCharsets.UTF_8)));
  }

  /**
   * @param header the header tokens
   * @param payload the payload text
   * @return the typed event
   * @throws EventProtocolException if a required header is missing
   */
  static SupervisorEvent parse(Map<String, String> header, String payload) {
    String eventName = header.get("eventname");
    if (eventName == null) {
      throw new EventProtocolException("event header without eventname: " + header);
    }
    SupervisorEvent.EventHeader h = new SupervisorEvent.EventHeader(header.getOrDefault("ver", ""),
        header.getOrDefault("server", ""), number(header.get("serial")), header.getOrDefault("pool", ""),
        number(header.get("poolserial")), eventName, Collections.unmodifiableMap(new TreeMap<>(header)));
    int nl = payload.indexOf('\n');
    String first = nl < 0 ? payload : payload.substring(0, nl);
    String data = nl < 0 ? "" : payload.substring(nl + 1);
    Map<String, String> p = tokens(first);
    if (eventName.startsWith("PROCESS_STATE_") && p.containsKey("processname")) {
      ProcState to = ProcState.fromSupervisor(eventName.substring("PROCESS_STATE_".length()));
      String expected = p.get("expected");
      return new SupervisorEvent.ProcessState(h, p.get("processname"), p.getOrDefault("groupname", ""),
          ProcState.fromSupervisor(p.getOrDefault("from_state", "")), to, optionalNumber(p.get("pid")),
          expected == null ? Optional.empty() : Optional.of("1".equals(expected)), optionalNumber(p.get("tries")));
    }
    if (eventName.startsWith("TICK_") && p.containsKey("when")) {
      return new SupervisorEvent.Tick(h, Instant.ofEpochSecond(number(p.get("when"))));
    }
    return new SupervisorEvent.Other(h, Collections.unmodifiableMap(new TreeMap<>(p)), data);
  }

  /** Space-separated {@code key:value} tokens, split at the first colon. */
  static Map<String, String> tokens(String line) {
    Map<String, String> m = new TreeMap<>();
    for (String t : line.trim().split(" +")) {
      if (t.isEmpty()) {
        continue;
      }
      int c = t.indexOf(':');
      if (c < 0) {
        m.put(t, "");
      } else {
        m.put(t.substring(0, c), t.substring(c + 1));
      }
    }
    return m;
  }

  private static long number(String s) {
    if (s == null) {
      return 0;
    }
    try {
      return Long.parseLong(s.contains(".") ? s.substring(0, s.indexOf('.')) : s);
    } catch (NumberFormatException e) {
      return 0;
    }
  }

  private static OptionalLong optionalNumber(String s) {
    return s == null || s.isEmpty() ? OptionalLong.empty() : OptionalLong.of(number(s));
  }

  private String readLine() throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\n') {
        return b.toString(StandardCharsets.UTF_8);
      }
      if (b.size() >= MAX_HEADER) {
        throw new EventProtocolException("event header longer than " + MAX_HEADER + " bytes");
      }
      b.write(c);
    }
    if (b.size() > 0) {
      throw new EOFException("stream ended inside an event header: " + b.toString(StandardCharsets.UTF_8));
    }
    return null;
  }
}
