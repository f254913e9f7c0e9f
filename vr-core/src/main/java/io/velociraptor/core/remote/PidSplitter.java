package io.velociraptor.core.remote;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Takes the first line of a remote command's stderr, where the runner's wrapper prints the
 * shell's pid (which is also its process group id), and passes the rest on untouched.
 */
final class PidSplitter extends OutputStream {
  private final OutputStream next;
  private final StringBuilder first = new StringBuilder();
  private volatile long pid = -1;
  private boolean passing;

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
    while (!passing && i < off + len) {
      byte c = b[i++];
      if (c == '\n') {
        passing = true;
        try {
          pid = Long.parseLong(first.toString().trim());
        } catch (NumberFormatException e) {
          // not our line: hand it on as output
          next.write(first.append('\n').toString().getBytes(StandardCharsets.UTF_8));
        }
      } else if (first.length() < 32) {
        first.append((char) c);
      }
    }
    if (i < off + len) {
      next.write(b, i, off + len - i);
    }
  }

  /** @return the remote process group id, or -1 if not seen yet */
  long pid() {
    return pid;
  }

  @Override
  public void flush() throws IOException {
    next.flush();
  }

  @Override
  public void close() throws IOException {
    next.close();
  }
}
