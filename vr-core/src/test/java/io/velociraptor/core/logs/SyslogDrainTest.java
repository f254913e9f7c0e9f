package io.velociraptor.core.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.spi.LogDrain;
import java.io.IOException;
import java.io.InputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/**
 * The syslog drain against real receivers written here: a TCP server that reads RFC 6587
 * octet-counted frames and a UDP socket, both on loopback.
 */
class SyslogDrainTest {
  static final Instant AT = Instant.parse("2026-12-04T01:02:03.456789Z");
  static final String HEADER = "<14>1 2026-12-04T01:02:03.456789Z ";

  static LogDrain.Record record(String line) {
    return new LogDrain.Record(AT, "h1", "shop-prod-web", "shop-v1-prod-0123456789ab-web-5001-shopweb2", line);
  }

  /** A TCP syslog receiver: every frame it reads, checked to be as long as its octet count says. */
  static final class TcpReceiver implements AutoCloseable {
    final ServerSocket server;
    final BlockingQueue<String> frames = new LinkedBlockingQueue<>();
    final Thread thread;

    TcpReceiver(int port) throws IOException {
      server = new ServerSocket();
      server.setReuseAddress(true);
      server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      thread = new Thread(() -> {
        try {
          while (true) {
            Socket s = server.accept();
            Thread conn = new Thread(() -> read(s));
            conn.setDaemon(true);
            conn.start();
          }
        } catch (IOException closed) {
          // the test closed the server
        }
      });
      thread.setDaemon(true);
      thread.start();
    }

    private void read(Socket s) {
      try (s; InputStream in = s.getInputStream()) {
        while (true) {
          StringBuilder len = new StringBuilder();
          int c;
          while ((c = in.read()) != ' ') {
            if (c < 0) {
              return;
            }
            if (c < '0' || c > '9') {
              frames.add("BAD FRAME: octet count has " + (char) c);
              return;
            }
            len.append((char) c);
          }
          byte[] msg = in.readNBytes(Integer.parseInt(len.toString()));
          frames.add(new String(msg, StandardCharsets.UTF_8));
        }
      } catch (IOException e) {
        frames.add("READ FAILED: " + e);
      }
    }

    String next() throws InterruptedException {
      String f = frames.poll(30, TimeUnit.SECONDS);
      assertThat(f).as("a frame within 30 s").isNotNull();
      return f;
    }

    @Override
    public void close() throws IOException {
      server.close();
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void tcpSendsOneOctetCountedRfc5424MessagePerLine() throws Exception {
    try (TcpReceiver rx = new TcpReceiver(0);
        SyslogDrain drain = SyslogDrain.open("syslog+tcp://127.0.0.1:" + rx.server.getLocalPort())) {
      drain.send(record("GET / 200"));
      drain.send(record("héllo ✓ with spaces"));
      drain.send(new LogDrain.Record(AT, "host with space", "", "p", ""));
      assertThat(rx.next()).isEqualTo(HEADER + "h1 shop-prod-web shop-v1-prod-0123456789ab-web-5001-shopweb2 - - GET / 200");
      assertThat(rx.next()).isEqualTo(HEADER + "h1 shop-prod-web shop-v1-prod-0123456789ab-web-5001-shopweb2 - - héllo ✓ with spaces");
      assertThat(rx.next()).isEqualTo(HEADER + "host_with_space - p - - ");
      assertThat(drain.sent()).isEqualTo(3);
      assertThat(drain.dropped()).isZero();
      assertThat(drain.describe()).isEqualTo("syslog+tcp://127.0.0.1:" + rx.server.getLocalPort());
    }
  }

  @Test
  void syslogSchemeIsTcpAndCloseDeliversWhatIsQueued() throws Exception {
    try (TcpReceiver rx = new TcpReceiver(0)) {
      SyslogDrain drain = SyslogDrain.open("syslog://127.0.0.1:" + rx.server.getLocalPort());
      for (int i = 0; i < 50; i++) {
        drain.send(record("line " + i));
      }
      drain.close();
      for (int i = 0; i < 50; i++) {
        assertThat(rx.next()).endsWith(" - - line " + i);
      }
      assertThat(drain.dropped()).isZero();
      drain.send(record("after close"));
      assertThat(drain.dropped()).isEqualTo(1);
    }
  }

  @Test
  void udpSendsOneDatagramPerLine() throws Exception {
    try (DatagramSocket rx = new DatagramSocket(0, InetAddress.getLoopbackAddress());
        SyslogDrain drain = SyslogDrain.open("syslog+udp://127.0.0.1:" + rx.getLocalPort())) {
      rx.setSoTimeout(30_000);
      drain.send(record("over udp"));
      drain.send(record("x".repeat(20_000)));
      DatagramPacket p = new DatagramPacket(new byte[65_536], 65_536);
      rx.receive(p);
      assertThat(new String(p.getData(), 0, p.getLength(), StandardCharsets.UTF_8))
          .isEqualTo(HEADER + "h1 shop-prod-web shop-v1-prod-0123456789ab-web-5001-shopweb2 - - over udp");
      rx.receive(p);
      assertThat(p.getLength()).as("a long line is cut to one datagram").isEqualTo(SyslogDrain.MAX_DATAGRAM);
    }
  }

  @Test
  void aReceiverThatIsDownDropsLinesAndTheDrainReconnectsWhenItIsBack() throws Exception {
    int port = freePort();
    try (SyslogDrain drain = SyslogDrain.open("syslog+tcp://127.0.0.1:" + port, Duration.ofSeconds(2), 5)) {
      for (int i = 0; i < 100; i++) {
        drain.send(record("lost " + i)); // never blocks: the queue holds 5, the rest are dropped at once
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (drain.dropped() < 95 && System.nanoTime() < deadline) {
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
      }
      assertThat(drain.dropped()).isGreaterThanOrEqualTo(95);
      assertThat(drain.sent()).isZero();
      try (TcpReceiver rx = new TcpReceiver(port)) {
        // lines keep coming; once the drain's pause is over it connects and they arrive
        String got = null;
        for (int i = 0; got == null && System.nanoTime() < deadline + TimeUnit.SECONDS.toNanos(30); i++) {
          drain.send(record("back " + i));
          got = rx.frames.poll(100, TimeUnit.MILLISECONDS);
        }
        assertThat(got).contains(" - - ").containsPattern("(lost|back) \\d+$");
        assertThat(drain.sent()).isPositive();
      }
    }
  }

  @Test
  void aBadUrlIsRefusedNamingIt() {
    for (String bad : new String[] {"http://127.0.0.1:514", "syslog+tcp://127.0.0.1", "syslog+tcp://user@127.0.0.1:514",
        "syslog+udp://127.0.0.1:514/path", "syslog+tcp://127.0.0.1:514?x=1", "not a url", "syslog+tls://h:6514"}) {
      assertThatThrownBy(() -> SyslogDrain.open(bad)).as(bad).isInstanceOf(InvalidValueException.class)
          .hasMessageContaining(bad);
    }
    assertThatThrownBy(() -> SyslogDrain.open("syslog://h:1", Duration.ofSeconds(1), 0))
        .isInstanceOf(InvalidValueException.class).hasMessageContaining("queueSize");
  }

  @Test
  void headerFieldsArePrintableAsciiAndCut() {
    assertThat(SyslogDrain.field("a b\tc\u00e9", 10)).isEqualTo("a_b_c_");
    assertThat(SyslogDrain.field("x".repeat(60), 48)).hasSize(48);
    assertThat(SyslogDrain.field("", 48)).isEqualTo("-");
  }
}
