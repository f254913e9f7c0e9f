package io.velociraptor.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

class HttpConnectionsTest {
  private static final String XML = "<?xml version=\"1.0\"?><methodResponse><params><param><value><string>3.0"
      + "</string></value></param></params></methodResponse>";

  /** A raw loopback server: for each request on each connection, the handler writes the reply. */
  private static final class RawServer implements AutoCloseable {
    final ServerSocket server;
    final AtomicInteger connections = new AtomicInteger();
    final List<Socket> sockets = new CopyOnWriteArrayList<>();

    RawServer(BiConsumer<Integer, OutputStream> handler) throws IOException {
      server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
      Thread t = new Thread(() -> {
        try {
          while (true) {
            Socket s = server.accept();
            sockets.add(s);
            int n = connections.incrementAndGet();
            Thread c = new Thread(() -> serve(s, n, handler));
            c.setDaemon(true);
            c.start();
          }
        } catch (IOException closed) {
          // done
        }
      });
      t.setDaemon(true);
      t.start();
    }

    private static void serve(Socket s, int n, BiConsumer<Integer, OutputStream> handler) {
      try (s) {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.ISO_8859_1));
        while (true) {
          int length = 0;
          String line = in.readLine();
          if (line == null) {
            return;
          }
          while (!(line = in.readLine()).isEmpty()) {
            if (line.toLowerCase().startsWith("content-length:")) {
              length = Integer.parseInt(line.substring(15).trim());
            }
          }
          in.skip(length);
          handler.accept(n, s.getOutputStream());
          if (s.isClosed()) {
            return;
          }
        }
      } catch (IOException | java.io.UncheckedIOException e) {
        // the client went away
      }
    }

    SupervisorClient client() {
      return SupervisorClient.of(SupervisorEndpoint.builder("127.0.0.1", server.getLocalPort())
          .readTimeout(Duration.ofSeconds(2)).build());
    }

    @Override
    public void close() throws IOException {
      server.close();
      for (Socket s : sockets) {
        s.close();
      }
    }
  }

  private static void write(OutputStream out, String text) {
    try {
      out.write(text.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void keepsOneConnectionAliveAcrossCalls() throws Exception {
    try (RawServer s = new RawServer((n, out) -> write(out,
            "HTTP/1.1 200 OK\r\nContent-Length: " + XML.length() + "\r\n\r\n" + XML));
        SupervisorClient c = s.client()) {
      for (int i = 0; i < 5; i++) {
        assertThat(c.getAPIVersion()).isEqualTo("3.0");
      }
      assertThat(s.connections).hasValue(1);
    }
  }

  @Test
  void readsChunkedRepliesAndRepliesEndedByClose() throws Exception {
    String half = XML.substring(0, 40);
    String rest = XML.substring(40);
    try (RawServer chunked = new RawServer((n, out) -> write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
            + Integer.toHexString(half.length()) + "\r\n" + half + "\r\n" + Integer.toHexString(rest.length()) + "\r\n"
            + rest + "\r\n0\r\n\r\n"));
        SupervisorClient c = chunked.client()) {
      assertThat(c.getAPIVersion()).isEqualTo("3.0");
      assertThat(c.getAPIVersion()).isEqualTo("3.0");
    }
    try (RawServer closing = new RawServer((n, out) -> {
          write(out, "HTTP/1.0 200 OK\r\n\r\n" + XML);
          try {
            out.close();
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
        SupervisorClient c = closing.client()) {
      assertThat(c.getAPIVersion()).isEqualTo("3.0");
      assertThat(c.getAPIVersion()).isEqualTo("3.0");
      assertThat(closing.connections).hasValue(2);
    }
  }

  @Test
  void aPooledConnectionTheServerClosedIsReplacedTransparently() throws Exception {
    try (RawServer s = new RawServer((n, out) -> {
          write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + XML.length() + "\r\n\r\n" + XML);
          try {
            out.close(); // the server drops the connection right after answering, without saying so
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
        SupervisorClient c = s.client()) {
      for (int i = 0; i < 3; i++) {
        assertThat(c.getAPIVersion()).isEqualTo("3.0");
      }
      assertThat(s.connections).hasValue(3);
    }
  }

  @Test
  void aReplyCutShortIsAnUnreachableErrorNotAHang() throws Exception {
    try (RawServer s = new RawServer((n, out) -> {
          write(out, "HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n<?xml");
          try {
            out.close();
          } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
          }
        });
        SupervisorClient c = s.client()) {
      assertThatThrownBy(c::getAPIVersion).isInstanceOfSatisfying(SupervisorException.class, e -> {
        assertThat(e.kind()).isEqualTo(SupervisorException.Kind.UNREACHABLE);
        assertThat(e.getMessage()).contains("broke").contains("supervisor.getAPIVersion");
      });
    }
  }

  @Test
  void aServerThatDribblesForeverStillCostsOnlyTheDeadline() throws Exception {
    try (RawServer s = new RawServer((n, out) -> {
          write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
          for (int i = 0; i < 100000; i++) {
            write(out, "x");
            java.util.concurrent.locks.LockSupport.parkNanos(50_000_000);
          }
        });
        SupervisorClient c = s.client()) {
      long t0 = System.nanoTime();
      assertThatThrownBy(c::getAPIVersion).isInstanceOfSatisfying(SupervisorException.class,
          e -> assertThat(e.kind()).isEqualTo(SupervisorException.Kind.TIMEOUT));
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofMillis(3000));
    }
  }
}
