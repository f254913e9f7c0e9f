package io.velociraptor.examples.server;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.velociraptor.core.deploy.DispatchListener;
import io.velociraptor.core.json.VrJson;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Every event the server sees (dispatch events, the reconciler's events), numbered with
 * increasing ids and kept in a ring of the last ones, for the event stream, webhooks and the
 * dashboard. A subscriber reads the retained events after an id and then follows live ones with
 * no gap and no repeat: both happen under one lock with publishing. A subscriber that does not
 * keep up is dropped rather than slowing publishers; it resumes from its last id.
 */
public final class EventHub implements AutoCloseable {
  /** How many events are kept when no capacity is given. */
  public static final int DEFAULT_CAPACITY = 10_000;

  /**
   * One event.
   *
   * @param id its id, increasing from 1
   * @param type its type ({@code run_started}, {@code reconcile_action}, ...)
   * @param json the event as one JSON object
   */
  public record Event(long id, String type, String json) {
    /** @throws NullPointerException if a field is null */
    public Event {
      Objects.requireNonNull(type, "type");
      Objects.requireNonNull(json, "json");
    }
  }

  private final int capacity;
  private final ArrayDeque<Event> ring = new ArrayDeque<>();
  private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
  private long lastId;
  private boolean closed;

  private EventHub(int capacity) {
    this.capacity = capacity;
  }

  /** @return a hub keeping the last {@link #DEFAULT_CAPACITY} events */
  public static EventHub create() {
    return withCapacity(DEFAULT_CAPACITY);
  }

  /**
   * A hub keeping the last {@code capacity} events.
   *
   * @param capacity how many events to keep, at least 1
   * @return the hub
   * @throws IllegalArgumentException if the capacity is below 1
   */
  public static EventHub withCapacity(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("event hub capacity " + capacity + " must be at least 1");
    }
    return new EventHub(capacity);
  }

  /** @return a listener that publishes every dispatch event under its JSON type name */
  public DispatchListener dispatchListener() {
    return e -> publish(e);
  }

  /**
   * Publishes a value serialized by {@link VrJson} (on one line) under its JSON type name (the name its sealed
   * supertype's {@code @JsonSubTypes} gives it, as in {@code vr events --json}).
   *
   * @param value a dispatch or reconciler event
   * @return the event's id
   */
  public long publish(Object value) {
    return publish(typeName(value.getClass()), line(value));
  }

  /**
   * One line of JSON, as {@code vr events --json} writes events.
   *
   * @param value a dispatch or reconciler event
   * @return its JSON on one line
   */
  public static String line(Object value) {
    try {
      return VrJson.json().writer().without(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write event " + value.getClass().getSimpleName(), e);
    }
  }

  /**
   * Publishes an event.
   *
   * @param type its type
   * @param json the event as one JSON object
   * @return its id, or 0 once the hub is closed
   */
  public long publish(String type, String json) {
    synchronized (ring) {
      if (closed) {
        return 0;
      }
      Event e = new Event(++lastId, type, json);
      ring.addLast(e);
      if (ring.size() > capacity) {
        ring.removeFirst();
      }
      for (Subscription s : subscriptions) {
        s.offer(e);
      }
      return e.id();
    }
  }

  /**
   * Publishes an event under an id given by a shared log (the database's event log, so that every
   * server on one database gives an event the same id). Ids must increase: an event whose id is not
   * above the last one published is not published again.
   *
   * @param id its id in the shared log, at least 1
   * @param type its type
   * @param json the event as one JSON object
   * @return whether it was published (false: an id already published or lower, or the hub is closed)
   */
  public boolean publish(long id, String type, String json) {
    if (id < 1) {
      throw new IllegalArgumentException("event id " + id + " must be at least 1");
    }
    synchronized (ring) {
      if (closed || id <= lastId) {
        return false;
      }
      lastId = id - 1;
      return publish(type, json) == id;
    }
  }

  /** @return the id of the last event published, 0 before the first */
  public long lastId() {
    synchronized (ring) {
      return lastId;
    }
  }

  /** @return the retained events after {@code id}, oldest first */
  List<Event> after(long id) {
    synchronized (ring) {
      List<Event> out = new ArrayList<>();
      for (Event e : ring) {
        if (e.id() > id) {
          out.add(e);
        }
      }
      return out;
    }
  }

  /**
   * Subscribes: the retained events after {@code afterId} that the filter takes, then every
   * later one it takes.
   *
   * @param afterId the last id the subscriber has (0: everything retained)
   * @param types which event types it wants
   * @param queueSize how many events may wait for it before it is dropped
   * @return the subscription; close it when done
   */
  public Subscription subscribe(long afterId, Predicate<String> types, int queueSize) {
    synchronized (ring) {
      List<Event> backlog = new ArrayList<>();
      long oldest = ring.isEmpty() ? lastId + 1 : ring.peekFirst().id();
      for (Event e : ring) {
        if (e.id() > afterId && types.test(e.type())) {
          backlog.add(e);
        }
      }
      Subscription s = new Subscription(types, Math.max(queueSize, backlog.size() + 1), afterId + 1 < oldest);
      backlog.forEach(s::offer);
      if (closed) {
        s.end();
      } else {
        subscriptions.add(s);
      }
      return s;
    }
  }

  /** Ends every subscription; later events are not kept. */
  @Override
  public void close() {
    synchronized (ring) {
      closed = true;
      for (Subscription s : subscriptions) {
        s.end();
      }
      subscriptions.clear();
    }
  }

  /**
   * The JSON type name of an event class, from its supertype's {@code @JsonSubTypes}.
   *
   * @param type a dispatch or reconciler event class
   * @return its name ({@code run_started}, {@code reconcile_action}, ...)
   */
  public static String typeName(Class<?> type) {
    for (Class<?> i : type.getInterfaces()) {
      JsonSubTypes subs = i.getAnnotation(JsonSubTypes.class);
      if (subs != null) {
        for (JsonSubTypes.Type st : subs.value()) {
          if (st.value().equals(type)) {
            return st.name();
          }
        }
      }
    }
    return type.getSimpleName();
  }

  /** One subscriber's view: the events it has not read yet. */
  public final class Subscription implements AutoCloseable {
    private final Predicate<String> types;
    private final BlockingQueue<Object> queue;
    private final boolean missedSome;
    private volatile boolean dropped;
    private volatile boolean ended;
    private final Object end = new Object();

    private Subscription(Predicate<String> types, int size, boolean missedSome) {
      this.types = types;
      this.queue = new ArrayBlockingQueue<>(size + 1); // + 1: room for the end marker
      this.missedSome = missedSome;
    }

    private void offer(Event e) {
      if (ended || !types.test(e.type())) {
        return;
      }
      if (queue.remainingCapacity() <= 1) {
        dropped = true;
        end();
        return;
      }
      queue.offer(e);
    }

    private void end() {
      ended = true;
      queue.offer(end); // the queue always keeps room for it
      subscriptions.remove(this);
    }

    /**
     * Waits for the next event.
     *
     * @param timeout how long to wait
     * @return the event, or empty when none came in time or the subscription has ended
     * @throws InterruptedException if interrupted while waiting
     */
    public Optional<Event> next(Duration timeout) throws InterruptedException {
      if (ended && queue.peek() == end) {
        return Optional.empty();
      }
      Object o = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
      if (o == end) {
        queue.offer(end); // stays ended for later calls
        return Optional.empty();
      }
      return Optional.ofNullable((Event) o);
    }

    /** @return whether it has ended: the hub closed, it fell behind, or it was closed */
    public boolean ended() {
      return ended && (queue.isEmpty() || queue.peek() == end);
    }

    /** @return whether it ended because it fell behind */
    public boolean dropped() {
      return dropped;
    }

    /** @return whether events after the requested id were no longer retained when it began */
    public boolean missedSome() {
      return missedSome;
    }

    /** Unsubscribes. */
    @Override
    public void close() {
      synchronized (ring) {
        end();
      }
    }
  }
}
