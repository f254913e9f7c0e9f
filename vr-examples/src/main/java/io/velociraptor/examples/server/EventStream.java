package io.velociraptor.examples.server;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.velociraptor.core.model.InvalidValueException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * {@code GET /api/events}: the hub's events as Server-Sent Events. A client that reconnects with
 * {@code Last-Event-ID} (browsers do it themselves) or {@code ?after=ID} first gets every retained
 * event after that id, then live ones; a new client gets live ones only. {@code ?types=a,b} keeps
 * only those types. A {@code : keepalive} comment goes out when nothing else has for a while, which
 * is also how a client that went away is noticed. The stream ends when the hub closes or the
 * client falls too far behind (it then resumes from its last id).
 */
public final class EventStream {
  /** How long the stream stays silent before a keepalive comment. */
  public static final Duration KEEPALIVE = Duration.ofSeconds(15);
  /** How many events may wait for one client before it is dropped. */
  static final int QUEUE = 1_000;

  private EventStream() {}

  /**
   * The handler, with keepalives every {@link #KEEPALIVE}.
   *
   * @param hub the events
   * @return the handler
   */
  public static Handler handler(EventHub hub) {
    return handler(hub, KEEPALIVE);
  }

  /**
   * The handler.
   *
   * @param hub the events
   * @param keepalive how long the stream stays silent before a keepalive comment
   * @return the handler
   */
  public static Handler handler(EventHub hub, Duration keepalive) {
    return ctx -> serve(ctx, hub, keepalive);
  }

  private static void serve(Context ctx, EventHub hub, Duration keepalive) throws IOException {
    long after = after(ctx).orElse(hub.lastId());
    Predicate<String> types = types(ctx.queryParam("types"));
    ctx.res().setStatus(200);
    ctx.res().setContentType("text/event-stream;charset=utf-8");
    ctx.res().setHeader("Cache-Control", "no-cache");
    ctx.res().setHeader("X-Accel-Buffering", "no");
    OutputStream out = ctx.res().getOutputStream();
    try (EventHub.Subscription s = hub.subscribe(after, types, QUEUE)) {
      StringBuilder head = new StringBuilder("retry: 2000\n");
      if (s.missedSome()) {
        head.append(": some events after ").append(after).append(" are no longer kept\n");
      }
      write(out, head.append('\n').toString());
      while (!s.ended()) {
        Optional<EventHub.Event> e = s.next(keepalive);
        if (e.isPresent()) {
          write(out, format(e.get()));
        } else if (!s.ended()) {
          write(out, ": keepalive\n\n");
        }
      }
      if (s.dropped()) {
        write(out, ": this client fell behind; reconnect with Last-Event-ID to resume\n\n");
      }
    } catch (IOException clientGone) {
      // the client closed the stream: nothing to answer
    } catch (InterruptedException stopping) {
      Thread.currentThread().interrupt();
    }
  }

  /** One event in the text/event-stream form. */
  static String format(EventHub.Event e) {
    StringBuilder b = new StringBuilder();
    b.append("id: ").append(e.id()).append('\n');
    b.append("event: ").append(e.type()).append('\n');
    for (String line : e.json().split("\n", -1)) {
      b.append("data: ").append(line).append('\n');
    }
    return b.append('\n').toString();
  }

  private static void write(OutputStream out, String text) throws IOException {
    out.write(text.getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static Optional<Long> after(Context ctx) {
    String header = ctx.header("Last-Event-ID");
    if (header != null && !header.isBlank()) {
      return Optional.of(id("Last-Event-ID", header));
    }
    String query = ctx.queryParam("after");
    return query == null || query.isBlank() ? Optional.empty() : Optional.of(id("after", query));
  }

  private static long id(String field, String text) {
    try {
      long id = Long.parseLong(text.trim());
      if (id < 0) {
        throw InvalidValueException.of(field, text, "must be an event id, 0 or more");
      }
      return id;
    } catch (NumberFormatException e) {
      throw InvalidValueException.of(field, text, "must be an event id, 0 or more");
    }
  }

  private static Predicate<String> types(String query) {
    if (query == null || query.isBlank()) {
      return t -> true;
    }
    Set<String> wanted = Arrays.stream(query.split(",")).map(String::trim).filter(t -> !t.isEmpty())
        .collect(Collectors.toUnmodifiableSet());
    return wanted::contains;
  }
}
