package io.velociraptor.supervisor.events;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Runs as a Supervisor {@code [eventlistener:x]} program and writes every event as JSON lines:
 * {@code java -cp <vr jars> io.velociraptor.supervisor.events.EventListenerMain --out FILE}
 * (or {@code --stderr}, which Supervisor captures in the listener's stderr log). stdout is the
 * protocol channel: nothing else is written there.
 */
public final class EventListenerMain {
  private EventListenerMain() {}

  /**
   * Runs the event listener protocol on stdin and stdout, writing each event as a JSON line to a
   * file or stderr.
   *
   * @param args {@code --out FILE} or {@code --stderr}
   * @throws IOException if the protocol stream or the sink fails
   */
  public static void main(String[] args) throws IOException {
    PrintStream protocolOut = System.out;
    // anything that prints to System.out by accident must not corrupt the protocol
    System.setOut(System.err);
    JsonLinesSink sink;
    if (args.length == 2 && "--out".equals(args[0])) {
      sink = JsonLinesSink.appendingTo(Path.of(args[1]));
    } else if (args.length == 1 && "--stderr".equals(args[0])) {
      sink = JsonLinesSink.writingTo(System.err);
    } else {
      System.err.println("usage: EventListenerMain --out FILE | --stderr");
      System.exit(2);
      return;
    }
    try (sink) {
      EventListenerProtocol.of(new BufferedInputStream(System.in), protocolOut).serve(sink);
    }
  }
}
