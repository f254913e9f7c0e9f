package io.velociraptor.supervisor.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A host that accepts TCP connections on 127.0.0.1 and never answers: what a hung supervisord
 * looks like to a client, so tests can check that it costs only a timeout. {@link #close()}
 * closes the listening socket and every accepted connection.
 */
public final class SilentServer implements AutoCloseable {
  private final ServerSocket socket;
  private final List<Socket> held = new CopyOnWriteArrayList<>();
  private final Thread acceptor;

  private SilentServer(ServerSocket socket) {
    this.socket = socket;
    this.acceptor = new Thread(() -> {
      try {
        while (true) {
          held.add(socket.accept());
        }
      } catch (IOException closed) {
        // close() closed the listening socket
      }
    }, "vr-silent-server-" + socket.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  /**
   * @return a silent server on a free port
   * @throws UncheckedIOException if no port can be bound
   */
  public static SilentServer start() {
    try {
      return new SilentServer(new ServerSocket(0, 50, InetAddress.getLoopbackAddress()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** @return the port it accepts on, on 127.0.0.1 */
  public int port() {
    return socket.getLocalPort();
  }

  /** @return how many connections it has accepted so far */
  public int accepted() {
    return held.size();
  }

  /** Stops accepting and closes every accepted connection. */
  @Override
  public void close() {
    try {
      socket.close();
      acceptor.join(TimeUnit.SECONDS.toMillis(10));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      for (Socket s : held) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing a connection nobody reads from cannot lose anything
        }
      }
    }
  }
}
