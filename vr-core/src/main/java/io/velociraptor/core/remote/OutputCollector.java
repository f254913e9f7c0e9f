package io.velociraptor.core.remote;

import io.velociraptor.core.spi.LineListener;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Captures one output stream of a command up to a byte limit (reading and dropping the rest) and,
 * when streaming, cuts it into lines for a listener. Thread-safe; {@link #close()} marks the end
 * of the stream and releases {@link #awaitClosed}.
 */
final class OutputCollector extends OutputStream {
  private static final Logger LOG = LoggerFactory.getLogger(OutputCollector.class);

  private final LineListener.Channel channel;
  private final int limit;
  private final LineListener listener;
  private final Object listenerLock;
  private final ByteArrayOutputStream captured = new ByteArrayOutputStream();
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private final CountDownLatch closed = new CountDownLatch(1);
  private boolean truncated;

  /**
   * @param listener null when not streaming
   * @param listenerLock shared by the collectors of one command so listener calls never overlap
   */
  OutputCollector(LineListener.Channel channel, int limit, LineListener listener,
      Object listenerLock) {
    this.channel = channel;
    this.limit = limit;
    this.listener = listener;
    this.listenerLock = listenerLock;
  }

  @Override
  public void write(int b) {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) {
    int room = limit - captured.size();
    if (len > room) {
      truncated = true;
    }
    captured.write(b, off, Math.max(0, Math.min(room, len)));
    if (listener != null) {
      int start = off;
      for (int i = off; i < off + len; i++) {
        if (b[i] == '\n') {
          line.write(b, start, i - start);
          emitLine();
          start = i + 1;
        }
      }
      line.write(b, start, off + len - start);
    }
  }

  private void emitLine() {
    byte[] bytes = line.toByteArray();
    line.reset();
    int n = bytes.length;
    if (n > 0 && bytes[n - 1] == '\r') {
      n--;
    }
    String text = new String(bytes, 0, n, StandardCharsets.UTF_8);
    synchronized (listenerLock) {
      try {
        listener.onLine(channel, text);
      } catch (RuntimeException e) {
        LOG.warn("line listener failed on a {} line; the command goes on", channel, e);
      }
    }
  }

  @Override
  public synchronized void close() {
    if (closed.getCount() == 0) {
      return;
    }
    if (listener != null && line.size() > 0) {
      emitLine();
    }
    closed.countDown();
  }

  boolean awaitClosed(long nanos) throws InterruptedException {
    return closed.await(nanos, TimeUnit.NANOSECONDS);
  }

  boolean isClosed() {
    return closed.getCount() == 0;
  }

  synchronized String text() {
    return captured.toString(StandardCharsets.UTF_8);
  }

  synchronized byte[] bytes() {
    return captured.toByteArray();
  }

  synchronized boolean truncated() {
    return truncated;
  }
}
