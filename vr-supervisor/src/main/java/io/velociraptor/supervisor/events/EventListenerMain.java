package io.velociraptor.supervisor.events;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * Runs as a Supervisor {@code [eventlistener:x]} program:
 * {@code java -cp <vr jars> io.velociraptor.supervisor.events.EventListenerMain MODE}, where MODE
 * is {@code --out FILE} (every event appended as a JSON line), {@code --stderr} (the same on
 * stderr, which Supervisor captures in the listener's stderr log), or {@code --post URL
 * --token-file FILE [--ca-file PEM]}: every event's JSON line is posted to URL (a {@code vr
 * serve}'s {@code /api/supervisor-events}) with the token from the file as a bearer token, with
 * timeouts and a bounded retry; a post that still fails is logged on stderr (never the token) and
 * the event acknowledged anyway, so supervisord never stalls. stdout is the protocol channel:
 * nothing else is written there.
 */
public final class EventListenerMain {
  /** What a wrong command line prints. */
  static final String USAGE = "usage: EventListenerMain --out FILE | --stderr"
      + " | --post URL --token-file FILE [--ca-file PEM]";

  private EventListenerMain() {}

  /**
   * Runs the event listener protocol on stdin and stdout, writing or posting each event.
   *
   * @param args {@code --out FILE}, {@code --stderr}, or {@code --post URL --token-file FILE [--ca-file PEM]}
   * @throws IOException if the protocol stream or the sink fails
   */
  public static void main(String[] args) throws IOException {
    PrintStream protocolOut = System.out;
    // anything that prints to System.out by accident must not corrupt the protocol
    System.setOut(System.err);
    int exit = run(args, new BufferedInputStream(System.in), protocolOut, System.err);
    if (exit != 0) {
      System.exit(exit);
    }
  }

  /**
   * Runs the listener: checks the arguments, then serves events until Supervisor closes the
   * stream.
   *
   * @param args the command line
   * @param in what Supervisor writes
   * @param protocolOut where the protocol answers
   * @param err where problems are written
   * @return 0 at the end of the stream, 2 for a wrong command line (nothing is served)
   * @throws IOException if the protocol stream or the sink fails
   */
  static int run(String[] args, InputStream in, OutputStream protocolOut, PrintStream err) throws IOException {
    Mode mode;
    try {
      mode = parse(args);
    } catch (IllegalArgumentException e) {
      err.println("EventListenerMain: " + e.getMessage());
      err.println(USAGE);
      err.flush();
      return 2;
    }
    SupervisorEventListener listener;
    JsonLinesSink sink = null;
    if (mode instanceof Mode.Out o) {
      sink = JsonLinesSink.appendingTo(o.file());
      listener = sink;
    } else if (mode instanceof Mode.Stderr) {
      sink = JsonLinesSink.writingTo(err);
      listener = sink;
    } else {
      Mode.Post p = (Mode.Post) mode;
      listener = new EventPoster(p.url(), p.token(), p.tls(), err, EventPoster.ATTEMPTS, EventPoster.FIRST_BACKOFF);
      err.println("vr-events: posting every event to " + p.url());
      err.flush();
    }
    try {
      EventListenerProtocol.of(in, protocolOut).serve(listener);
    } finally {
      if (sink != null) {
        sink.close();
      }
    }
    return 0;
  }

  /** What the command line asks for. */
  sealed interface Mode {
    /** {@code --out FILE}. */
    record Out(Path file) implements Mode {}

    /** {@code --stderr}. */
    record Stderr() implements Mode {}

    /** {@code --post URL --token-file FILE [--ca-file PEM]}, with the token read and the CA loaded. */
    record Post(URI url, String token, Optional<SSLContext> tls) implements Mode {
      @Override
      public String toString() {
        return "Post[" + url + "]"; // never the token
      }
    }
  }

  /**
   * Reads the command line.
   *
   * @param args the command line
   * @return the mode
   * @throws IllegalArgumentException saying what is wrong (never a token)
   */
  static Mode parse(String[] args) {
    Map<String, String> opts = new LinkedHashMap<>();
    List<String> withValue = List.of("--out", "--post", "--token-file", "--ca-file");
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if ("--stderr".equals(a)) {
        if (opts.put(a, "") != null) {
          throw new IllegalArgumentException("--stderr is given twice");
        }
      } else if (withValue.contains(a)) {
        if (i + 1 >= args.length || args[i + 1].startsWith("--")) {
          throw new IllegalArgumentException(a + " needs a value");
        }
        if (opts.put(a, args[++i]) != null) {
          throw new IllegalArgumentException(a + " is given twice");
        }
      } else {
        throw new IllegalArgumentException("unknown argument \"" + a + "\"");
      }
    }
    List<String> modes = opts.keySet().stream().filter(k -> List.of("--out", "--stderr", "--post").contains(k)).toList();
    if (modes.isEmpty()) {
      throw new IllegalArgumentException(opts.isEmpty() ? "no mode given"
          : String.join(" and ", opts.keySet()) + (opts.size() == 1 ? " goes" : " go") + " with --post URL");
    }
    if (modes.size() > 1) {
      throw new IllegalArgumentException(String.join(" and ", modes) + " are different modes: give one");
    }
    if (!modes.get(0).equals("--post")) {
      for (String k : List.of("--token-file", "--ca-file")) {
        if (opts.containsKey(k)) {
          throw new IllegalArgumentException(k + " goes with --post URL, not " + modes.get(0));
        }
      }
      return modes.get(0).equals("--out") ? new Mode.Out(Path.of(opts.get("--out"))) : new Mode.Stderr();
    }
    URI url = url(opts.get("--post"));
    if (!opts.containsKey("--token-file")) {
      throw new IllegalArgumentException("--post needs --token-file FILE: the API token is read from a file,"
          + " never given on the command line");
    }
    Optional<SSLContext> tls = Optional.empty();
    if (opts.containsKey("--ca-file")) {
      if (!"https".equals(url.getScheme())) {
        throw new IllegalArgumentException("--ca-file is for an https URL; --post " + url + " is plain http");
      }
      tls = Optional.of(EventPoster.trusting(Path.of(opts.get("--ca-file"))));
    }
    String token = EventPoster.readToken(Path.of(opts.get("--token-file")));
    return new Mode.Post(url, token, tls);
  }

  private static URI url(String text) {
    URI u;
    try {
      u = new URI(text);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("--post \"" + text + "\" is not a URL: " + e.getMessage(), e);
    }
    if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme())) {
      throw new IllegalArgumentException("--post \"" + text + "\" must be an http:// or https:// URL, such as"
          + " https://vr.example:7070/api/supervisor-events");
    }
    if (u.getHost() == null || u.getHost().isEmpty()) {
      throw new IllegalArgumentException("--post \"" + text + "\" has no host");
    }
    if (u.getRawUserInfo() != null) {
      // the URL shows up in every log line: credentials go in --token-file
      throw new IllegalArgumentException("--post URL must not hold credentials (user:password@); put the API token"
          + " in --token-file");
    }
    return u;
  }
}
