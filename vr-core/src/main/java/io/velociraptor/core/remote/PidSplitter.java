package io.velociraptor.core.remote;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Takes the marker line a remote command's wrapper prints on stderr ({@value #MARKER} and the
 * shell's pid, which is also its process group id) out of the stream and passes everything else
 * on untouched. Lines before the marker (a noisy shell start-up file) are passed on too; after
 * it, nothing is inspected, so the command's own output can never be mistaken for it.
 */
final class PidSplitter extends OutputStream {
  /** What the wrapper prints before the pid. */
  static final String MARKER = "vr-pgid:";

  private static final int MAX_LINE = 4096;

  private final OutputStream next;
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private final CountDownLatch known = new CountDownLatch(1);
  private volatile long pid = -1;
  private boolean found;

  PidSplitter(OutputStream next) {
    this.next = next;
  }

  @Override
  public void write(int b) throws IOException {
    write(new byte[] {(byte) b}, 0, 1);
  }

  @Override
  public synchronized void write(byte[] b, int off, int len) throws IOException {
    int i = off;
    int end = off + len;
    while (!found && i < end) {
      byte c = b[i++];
      line.write(c);
      if (c == '\n' || line.size() >= MAX_LINE) {
        String text = line.toString(StandardCharsets.UTF_8).trim();
        if (text.startsWith(MARKER)) {
          try {
            pid = Long.parseLong(text.substring(MARKER.length()));
            found = true;
            known.countDown();
          } catch (NumberFormatException e) {
            next.write(line.toByteArray());
          }
        } else {
          next.write(line.toByteArray());
        }
        line.reset();
      }
    }
    if (i < end) {
      next.write(b, i, end - i);
    }
  }

  /** @return the remote process group id, or -1 if not seen yet */
  long pid() {
    return pid;
  }

  /**
   * Waits for the marker line (a loaded host may not have printed it when a short timeout
   * fires).
   *
   * @return the remote process group id, or -1 if it did not come in time
   */
  long awaitPid(long nanos) throws InterruptedException {
    known.await(nanos, TimeUnit.NANOSECONDS);
    return pid;
  }

  @Override
  public void flush() throws IOException {
    next.flush();
  }

  @Override
  public synchronized void close() throws IOException {
    if (!found && line.size() > 0) {
      next.write(line.toByteArray());
      line.reset();
    }
    known.countDown(); // no marker will come now: release waiters
    next.close();
  }
}
