package io.velociraptor.supervisor;

/**
 * The end of a process's stdout log, from {@code supervisor.tailProcessStdoutLog}.
 *
 * @param text the log text read
 * @param offset the log offset just past {@code text}; pass it back to read what follows
 * @param overflow whether more was written since the given offset than was asked for
 */
public record LogTail(String text, long offset, boolean overflow) {}
