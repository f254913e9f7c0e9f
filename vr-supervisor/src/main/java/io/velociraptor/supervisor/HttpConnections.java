package io.velociraptor.supervisor;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.Deque;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * A minimal blocking HTTP/1.1 client for one supervisord: keep-alive connections pooled, the
 * whole request sent in one write with TCP_NODELAY (supervisord's medusa server otherwise adds
 * Nagle and delayed-ACK stalls), one deadline for connect plus the whole reply, and the status
 * code visible. It speaks only what XML-RPC needs: POST with a body, replies framed by
 * Content-Length, chunked encoding or connection close.
 */
final class HttpConnections implements AutoCloseable {
  private static final int MAX_IDLE = 8;
  private static final int MAX_HEADER_LINE = 8192;
  private static final long MAX_BODY = 256L * 1024 * 1024;
  private static final long STALE_WINDOW_NANOS = 200_000_000L;

  private final SupervisorEndpoint endpoint;
  private final String authorization;
  private final Deque<Socket> idle = new ConcurrentLinkedDeque<>();
  private volatile boolean closed;

  HttpConnections(SupervisorEndpoint endpoint) {
    this.endpoint = endpoint;
    this.authorization = endpoint.username().map(u -> "Basic " + Base64.getEncoder().encodeToString(
        (u + ":" + endpoint.password().orElse("")).getBytes(StandardCharsets.UTF_8))).orElse(null);
  }

  /** A reply: its status and body. */
  record Reply(int status, byte[] body) {}

  /** Why an exchange failed, for the caller to map to a {@link SupervisorException}. */
  static final class ExchangeException extends IOException {
    private static final long serialVersionUID = 1L;
    final SupervisorException.Kind kind;

    ExchangeException(SupervisorException.Kind kind, String message, Throwable cause) {
      super(message, cause);
      this.kind = kind;
    }
  }

  /**
   * Posts one request and reads the reply within the timeout.
   *
   * @throws ExchangeException naming the kind of failure
   */
  Reply post(String path, byte[] body, Duration timeout) throws ExchangeException {
    long deadline = System.nanoTime() + timeout.toNanos();
    byte[] request = request(path, body);
    Socket reused = idle.pollFirst();
    if (reused != null) {
      try {
        return exchange(reused, request, deadline, timeout.toMillis(), true);
      } catch (StaleConnection stale) {
        // the server closed the idle connection before reading our request: use a fresh one
      }
    }
    Socket fresh = connect(deadline, timeout);
    try {
      return exchange(fresh, request, deadline, timeout.toMillis(), false);
    } catch (StaleConnection e) {
      throw new ExchangeException(SupervisorException.Kind.UNREACHABLE,
          "supervisor on " + endpoint.label() + " closed the connection without answering", e);
    }
  }

  private static final class StaleConnection extends IOException {
    private static final long serialVersionUID = 1L;

    StaleConnection(Throwable cause) {
      super(cause);
    }
  }

  private Socket connect(long deadline, Duration timeout) throws ExchangeException {
    long left = remainingMillis(deadline);
    int connectMillis = (int) Math.max(1, Math.min(left, endpoint.connectTimeout().toMillis()));
    Socket s = new Socket();
    try {
      s.setTcpNoDelay(true);
      s.setKeepAlive(true);
      s.connect(new InetSocketAddress(endpoint.address(), endpoint.port()), connectMillis);
      return s;
    } catch (SocketTimeoutException e) {
      closeQuietly(s);
      throw new ExchangeException(SupervisorException.Kind.TIMEOUT, "could not connect to supervisor on "
          + endpoint.label() + " within " + connectMillis + " ms", e);
    } catch (ConnectException e) {
      closeQuietly(s);
      throw new ExchangeException(SupervisorException.Kind.UNREACHABLE,
          "cannot reach supervisor on " + endpoint.label() + ": connection refused", e);
    } catch (UnknownHostException e) {
      closeQuietly(s);
      throw new ExchangeException(SupervisorException.Kind.UNREACHABLE,
          "cannot reach supervisor on " + endpoint.label() + ": address " + endpoint.address() + " does not resolve", e);
    } catch (IOException e) {
      closeQuietly(s);
      throw new ExchangeException(SupervisorException.Kind.UNREACHABLE,
          "cannot reach supervisor on " + endpoint.label() + ": " + e.getMessage(), e);
    }
  }

  private byte[] request(String path, byte[] body) {
    StringBuilder h = new StringBuilder(256);
    h.append("POST ").append(path).append(" HTTP/1.1\r\n")
        .append("Host: ").append(endpoint.address()).append(':').append(endpoint.port()).append("\r\n")
        .append("User-Agent: vr-supervisor\r\n")
        .append("Content-Type: text/xml\r\n")
        .append("Content-Length: ").append(body.length).append("\r\n");
    if (authorization != null) {
      h.append("Authorization: ").append(authorization).append("\r\n");
    }
    h.append("\r\n");
    byte[] head = h.toString().getBytes(StandardCharsets.ISO_8859_1);
    byte[] all = new byte[head.length + body.length];
    System.arraycopy(head, 0, all, 0, head.length);
    System.arraycopy(body, 0, all, head.length, body.length);
    return all;
  }

  private Reply exchange(Socket s, byte[] request, long deadline, long timeoutMillis, boolean reused)
      throws ExchangeException, StaleConnection {
    boolean keep = false;
    int[] read = {0};
    try {
      try {
        OutputStream out = s.getOutputStream();
        out.write(request);
        out.flush();
      } catch (IOException e) {
        if (reused) {
          throw new StaleConnection(e);
        }
        throw e;
      }
      long sent = System.nanoTime();
      InputStream in = new CountingStream(new BufferedInputStream(s.getInputStream()), read);
      String status;
      try {
        status = line(s, in, deadline);
      } catch (IOException e) {
        // a pooled connection the server closed while idle fails at once and returns nothing;
        // one that fails later may have been processed, so it is not sent again
        if (reused && read[0] == 0 && !(e instanceof SocketTimeoutException)
            && System.nanoTime() - sent < STALE_WINDOW_NANOS) {
          throw new StaleConnection(e);
        }
        throw e;
      }
      String[] parts = status.split(" ", 3);
      if (parts.length < 2 || !parts[0].startsWith("HTTP/1.") || !parts[1].matches("[0-9]{3}")) {
        throw new ExchangeException(SupervisorException.Kind.PROTOCOL,
            "supervisor on " + endpoint.label() + " answered with something that is not HTTP: " + clip(status), null);
      }
      int code = Integer.parseInt(parts[1]);
      long length = -1;
      boolean chunked = false;
      boolean close = parts[0].equals("HTTP/1.0");
      for (String header = line(s, in, deadline); !header.isEmpty(); header = line(s, in, deadline)) {
        int c = header.indexOf(':');
        if (c <= 0) {
          continue;
        }
        String name = header.substring(0, c).trim().toLowerCase(Locale.ROOT);
        String value = header.substring(c + 1).trim().toLowerCase(Locale.ROOT);
        switch (name) {
          case "content-length" -> length = parseLength(value);
          case "transfer-encoding" -> chunked = value.contains("chunked");
          case "connection" -> close = value.contains("close") ? true : value.contains("keep-alive") ? false : close;
          default -> { }
        }
      }
      byte[] body;
      if (chunked) {
        body = chunked(s, in, deadline);
      } else if (length >= 0) {
        body = exactly(s, in, length, deadline);
      } else {
        body = untilClose(s, in, deadline);
        close = true;
      }
      keep = !close;
      return new Reply(code, body);
    } catch (StaleConnection | ExchangeException e) {
      throw e;
    } catch (SocketTimeoutException e) {
      throw new ExchangeException(SupervisorException.Kind.TIMEOUT, "supervisor on " + endpoint.label()
          + " did not answer within " + timeoutMillis + " ms", e);
    } catch (IOException e) {
      throw new ExchangeException(SupervisorException.Kind.UNREACHABLE, "connection to supervisor on "
          + endpoint.label() + " broke while waiting for the reply: " + e.getMessage(), e);
    } finally {
      if (keep && !closed && idle.size() < MAX_IDLE) {
        idle.addFirst(s);
      } else {
        closeQuietly(s);
      }
    }
  }

  private long parseLength(String value) throws ExchangeException {
    try {
      long n = Long.parseLong(value);
      if (n < 0 || n > MAX_BODY) {
        throw new NumberFormatException(value);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new ExchangeException(SupervisorException.Kind.PROTOCOL,
          "supervisor on " + endpoint.label() + " sent a bad Content-Length: " + clip(value), e);
    }
  }

  private static long remainingMillis(long deadline) {
    return (deadline - System.nanoTime()) / 1_000_000;
  }

  /** Before each blocking read, bounds it by what is left of the deadline. */
  private static void arm(Socket s, long deadline) throws IOException {
    long left = remainingMillis(deadline);
    if (left <= 0) {
      throw new SocketTimeoutException("deadline passed");
    }
    s.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
  }

  private static String line(Socket s, InputStream in, long deadline) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream(64);
    while (true) {
      arm(s, deadline);
      int c = in.read();
      if (c == -1) {
        throw new EOFException("connection closed");
      }
      if (c == '\n') {
        break;
      }
      if (c != '\r') {
        if (b.size() >= MAX_HEADER_LINE) {
          throw new IOException("header line longer than " + MAX_HEADER_LINE + " bytes");
        }
        b.write(c);
      }
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  private static byte[] exactly(Socket s, InputStream in, long n, long deadline) throws IOException {
    byte[] out = new byte[(int) n];
    int off = 0;
    while (off < n) {
      arm(s, deadline);
      int r = in.read(out, off, (int) n - off);
      if (r < 0) {
        throw new EOFException("connection closed after " + off + " of " + n + " bytes");
      }
      off += r;
    }
    return out;
  }

  private static byte[] untilClose(Socket s, InputStream in, long deadline) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[8192];
    while (true) {
      arm(s, deadline);
      int r = in.read(buf);
      if (r < 0) {
        return out.toByteArray();
      }
      if (out.size() + r > MAX_BODY) {
        throw new IOException("reply larger than " + MAX_BODY + " bytes");
      }
      out.write(buf, 0, r);
    }
  }

  private static byte[] chunked(Socket s, InputStream in, long deadline) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while (true) {
      String size = line(s, in, deadline);
      int semi = size.indexOf(';');
      long n;
      try {
        n = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
      } catch (NumberFormatException e) {
        throw new IOException("bad chunk size: " + clip(size), e);
      }
      if (n == 0) {
        for (String t = line(s, in, deadline); !t.isEmpty(); t = line(s, in, deadline)) {
          // trailers are ignored
        }
        return out.toByteArray();
      }
      if (n < 0 || out.size() + n > MAX_BODY) {
        throw new IOException("chunk of " + n + " bytes exceeds the limit");
      }
      out.write(exactly(s, in, n, deadline));
      line(s, in, deadline);
    }
  }

  private static String clip(String s) {
    return s.length() > 120 ? s.substring(0, 120) + "..." : s;
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // nothing to do
    }
  }

  /** Counts bytes read, to tell a stale pooled connection (nothing read) from a broken reply. */
  private static final class CountingStream extends java.io.FilterInputStream {
    private final int[] count;

    CountingStream(InputStream in, int[] count) {
      super(in);
      this.count = count;
    }

    @Override
    public int read() throws IOException {
      int c = super.read();
      if (c >= 0) {
        count[0]++;
      }
      return c;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int r = super.read(b, off, len);
      if (r > 0) {
        count[0] += r;
      }
      return r;
    }
  }

  @Override
  public void close() {
    closed = true;
    for (Socket s = idle.pollFirst(); s != null; s = idle.pollFirst()) {
      closeQuietly(s);
    }
  }
}
