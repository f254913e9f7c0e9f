package io.velociraptor.supervisor;

/** Writes and deletes program files on one host (the include directory of its supervisord). */
interface ProgramFiles {
  /**
   * Writes a file atomically (readers see the old content or the new, never a part).
   *
   * @param path absolute path
   * @param content the bytes
   */
  void write(String path, byte[] content);

  /**
   * Deletes a file; a missing file is not an error.
   *
   * @param path absolute path
   */
  void delete(String path);
}
