package io.velociraptor.core.spi;

/**
 * What one read of a proc's log gave ({@link ProcController#logRead}).
 *
 * @param text the log text read (possibly empty)
 * @param nextOffset the offset to read on from: the log's length when it was read
 * @param skipped whether more was written since the offset asked for than was asked to read, so
 *     that the text is the log's end and what came before it was skipped
 */
public record LogChunk(String text, long nextOffset, boolean skipped) {
  /**
   * @throws NullPointerException if text is null
   * @throws IllegalArgumentException if nextOffset is negative
   */
  public LogChunk {
    java.util.Objects.requireNonNull(text, "text");
    if (nextOffset < 0) {
      throw new IllegalArgumentException("nextOffset must not be negative: " + nextOffset);
    }
  }
}
