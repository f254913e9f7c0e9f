package io.velociraptor.core.logs;

import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.spi.LogDrain;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link LogDrain} to a syslog server: RFC 5424 messages, over TCP with octet-counting framing
 * (RFC 6587, as RFC 5425 frames them) or over UDP, one datagram each (RFC 5426). The URL is
 * {@code syslog+tcp://HOST:PORT} (also {@code syslog://}, Heroku's form) or
 * {@code syslog+udp://HOST:PORT}.
 *
 * <p>Each line is one message: facility user, severity info ({@code <14>}), the time vr read it,
 * HOSTNAME the proc's host, APP-NAME the swarm, PROCID the proc's program name, no MSGID nor
 * structured data, MSG the line (UTF-8). A bounded queue and one sender thread keep the follower
 * that feeds it from ever waiting on the receiver; a receiver that is down or too slow makes it
 * drop lines (counted, logged once per outage) and reconnect with a growing pause (up to 10 s).
 */
public final class SyslogDrain implements LogDrain {
  private static final Logger LOG = LoggerFactory.getLogger(SyslogDrain.class);
  private static final DateTimeFormatter STAMP =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSS'Z'", Locale.ROOT).withZone(ZoneOffset.UTC);
  /** The largest message sent in one UDP datagram; longer lines are cut. */
  static final int MAX_DATAGRAM = 8192;
  private static final Duration MAX_PAUSE = Duration.ofSeconds(10);

  /** How the messages travel. */
  public enum Transport {
    /** TCP, octet-counted frames. */
    TCP,
    /** UDP, one datagram per message. */
    UDP
  }

  private final Transport transport;
  private final String host;
  private final int port;
  private final Duration connectTimeout;
  private final BlockingQueue<Record> queue;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong sent = new AtomicLong();
  private final Thread sender;
  private final CountDownLatch closing = new CountDownLatch(1);
  private volatile boolean closed;
  private Socket socket;
  private OutputStream out;
  private DatagramSocket datagrams;

  private SyslogDrain(Transport transport, String host, int port, Duration connectTimeout, int queueSize) {
    this.transport = transport;
    this.host = host;
    this.port = port;
    this.connectTimeout = connectTimeout;
    this.queue = new ArrayBlockingQueue<>(queueSize);
    this.sender = new Thread(this::sendLoop, "vr-syslog-" + host + ":" + port);
    sender.setDaemon(true);
    sender.start();
  }

  /**
   * Opens a drain (connecting lazily, on the first line).
   *
   * @param url {@code syslog+tcp://HOST:PORT}, {@code syslog://HOST:PORT} or {@code syslog+udp://HOST:PORT}
   * @return the drain
   * @throws InvalidValueException naming the URL when it is not one of those
   */
  public static SyslogDrain open(String url) {
    return open(url, Duration.ofSeconds(5), 10_000);
  }

  /**
   * Opens a drain (connecting lazily, on the first line).
   *
   * @param url {@code syslog+tcp://HOST:PORT}, {@code syslog://HOST:PORT} or {@code syslog+udp://HOST:PORT}
   * @param connectTimeout how long a TCP connect may take
   * @param queueSize how many lines may wait for the receiver before lines are dropped
   * @return the drain
   * @throws InvalidValueException naming the URL when it is not one of those
   */
  public static SyslogDrain open(String url, Duration connectTimeout, int queueSize) {
    Objects.requireNonNull(url, "url");
    if (queueSize < 1) {
      throw InvalidValueException.of("queueSize", queueSize, "must be at least 1");
    }
    URI u;
    try {
      u = new URI(url);
    } catch (java.net.URISyntaxException e) {
      throw InvalidValueException.of("log drain", url, "is not a URL: " + e.getReason());
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    Transport t = switch (scheme) {
      case "syslog", "syslog+tcp" -> Transport.TCP;
      case "syslog+udp" -> Transport.UDP;
      default -> throw InvalidValueException.of("log drain", url,
          "must be syslog+tcp://HOST:PORT, syslog://HOST:PORT or syslog+udp://HOST:PORT");
    };
    if (u.getHost() == null || u.getPort() < 1 || u.getUserInfo() != null
        || !(u.getRawPath() == null || u.getRawPath().isEmpty()) || u.getRawQuery() != null) {
      throw InvalidValueException.of("log drain", url, "must name a host and a port, and nothing else: " + scheme
          + "://HOST:PORT");
    }
    return new SyslogDrain(t, u.getHost(), u.getPort(), connectTimeout, queueSize);
  }

  @Override
  public void send(Record record) {
    Objects.requireNonNull(record, "record");
    if (closed || !queue.offer(record)) {
      dropped.incrementAndGet();
    }
  }

  /** {@inheritDoc} */
  @Override
  public long dropped() {
    return dropped.get();
  }

  /**
   * Counts the lines handed to the receiver.
   *
   * @return how many lines the receiver was sent
   */
  public long sent() {
    return sent.get();
  }

  /** {@inheritDoc} */
  @Override
  public String describe() {
    return "syslog+" + transport.name().toLowerCase(Locale.ROOT) + "://" + host + ":" + port;
  }

  /**
   * Formats one line as an RFC 5424 message.
   *
   * @param r the line
   * @return {@code <14>1 TIMESTAMP HOSTNAME APP-NAME PROCID - - MSG}
   */
  public static String format(Record r) {
    return "<14>1 " + STAMP.format(r.readAt()) + " " + field(r.host(), 255) + " " + field(r.swarm(), 48) + " "
        + field(r.proc(), 128) + " - - " + r.line();
  }

  /** A header field: printable US-ASCII without spaces (others become '_'), at most max long, "-" when empty. */
  static String field(String value, int max) {
    if (value.isEmpty()) {
      return "-";
    }
    StringBuilder b = new StringBuilder(Math.min(value.length(), max));
    for (int i = 0; i < value.length() && b.length() < max; i++) {
      char c = value.charAt(i);
      b.append(c >= 33 && c <= 126 ? c : '_');
    }
    return b.toString();
  }

  private void sendLoop() {
    Duration pause = Duration.ofMillis(200);
    boolean down = false;
    while (true) {
      Record r;
      try {
        r = queue.poll(200, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        return;
      }
      if (r == null) {
        if (closed) {
          return;
        }
        continue;
      }
      try {
        deliver(format(r).getBytes(StandardCharsets.UTF_8));
        sent.incrementAndGet();
        if (down) {
          LOG.info("log drain {} is back", describe());
          down = false;
        }
        pause = Duration.ofMillis(200);
      } catch (IOException e) {
        dropped.incrementAndGet();
        disconnect();
        if (!down) {
          LOG.warn("log drain {} failed, dropping lines until it answers again: {}", describe(), e.toString());
          down = true;
        }
        if (closed) {
          dropped.addAndGet(queue.size());
          queue.clear();
          return;
        }
        try {
          // the pause before the next attempt, cut short by close()
          if (closing.await(pause.toMillis(), TimeUnit.MILLISECONDS)) {
            dropped.addAndGet(queue.size());
            queue.clear();
            return;
          }
        } catch (InterruptedException ie) {
          return;
        }
        pause = pause.multipliedBy(2).compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : pause.multipliedBy(2);
      }
    }
  }

  private void deliver(byte[] msg) throws IOException {
    if (transport == Transport.UDP) {
      if (datagrams == null) {
        datagrams = new DatagramSocket();
      }
      int len = Math.min(msg.length, MAX_DATAGRAM);
      datagrams.send(new DatagramPacket(msg, len, new InetSocketAddress(host, port)));
      return;
    }
    if (socket == null) {
      Socket s = new Socket();
      try {
        s.connect(new InetSocketAddress(host, port), (int) connectTimeout.toMillis());
      } catch (IOException e) {
        s.close();
        throw e;
      }
      socket = s;
      out = s.getOutputStream();
    }
    out.write((msg.length + " ").getBytes(StandardCharsets.US_ASCII));
    out.write(msg);
    out.flush();
  }

  private void disconnect() {
    try {
      if (socket != null) {
        socket.close();
      }
    } catch (IOException ignored) {
      // closing a broken connection
    }
    socket = null;
    out = null;
    if (datagrams != null) {
      datagrams.close();
      datagrams = null;
    }
  }

  /** Sends what is queued (at most 5 s more), then closes the connection. */
  @Override
  public void close() {
    closed = true;
    closing.countDown();
    try {
      sender.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sender.interrupt();
    try {
      sender.join(1_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    disconnect();
    dropped.addAndGet(queue.size());
    queue.clear();
  }
}
