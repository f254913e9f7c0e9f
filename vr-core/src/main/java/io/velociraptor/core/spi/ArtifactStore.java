package io.velociraptor.core.spi;

import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Content-addressed storage for build tarballs and the files that belong to them (the compile
 * log). Artifacts are stored by the sha256 of their bytes, so storing the same bytes twice keeps
 * one copy. Implementations are safe for concurrent use by several threads and processes.
 */
public interface ArtifactStore {

  /**
   * Stores a copy of a file. Storing bytes that are already stored returns the existing artifact.
   *
   * @param file the file to store
   * @return the stored artifact
   * @throws ArtifactStoreException if the file cannot be read or stored
   */
  Artifact put(Path file);

  /**
   * Returns the artifact, if stored.
   *
   * @param sha256 the artifact's identity
   * @return the artifact, if stored
   * @throws io.velociraptor.core.VrException if {@code sha256} is not a sha256
   * @throws ArtifactStoreException if the store cannot be read
   */
  Optional<Artifact> find(String sha256);

  /**
   * Opens an artifact's bytes; the caller closes the stream.
   *
   * @param sha256 the artifact's identity
   * @return the content
   * @throws ArtifactStoreException if it is not stored or cannot be read
   */
  InputStream open(String sha256);

  /**
   * Returns every stored artifact, sorted by sha256.
   *
   * @return every stored artifact, sorted by sha256
   * @throws ArtifactStoreException if the store cannot be read
   */
  List<Artifact> list();

  /**
   * Stores a named file that belongs to an artifact (for example a build's compile log),
   * replacing one of the same name.
   *
   * @param sha256 the artifact it belongs to
   * @param name a plain file name: letters, digits, dot, dash, underscore
   * @param file the file to copy in
   * @return where the store keeps the attachment (a {@code file:} URI for the filesystem store),
   *     for a build result to record
   * @throws ArtifactStoreException if the artifact is not stored or the copy fails
   * @throws io.velociraptor.core.VrException if {@code name} is not a plain file name
   */
  URI attach(String sha256, String name, Path file);

  /**
   * Opens a file attached to an artifact; the caller closes the stream.
   *
   * @param sha256 the artifact
   * @param name the attachment's name
   * @return its content, if there is such an attachment
   * @throws ArtifactStoreException if it exists but cannot be read
   */
  Optional<InputStream> openAttachment(String sha256, String name);

  /**
   * Deletes an artifact and its attachments.
   *
   * @param sha256 the artifact
   * @return whether it was stored
   * @throws ArtifactStoreException if deleting fails
   */
  boolean delete(String sha256);

  /**
   * Deletes every artifact stored before {@code storedBefore} that is not in {@code inUse} (the
   * artifacts that releases still use).
   *
   * @param storedBefore the age limit
   * @param inUse sha256 of the artifacts to keep whatever their age
   * @return the deleted artifacts, sorted by sha256
   * @throws ArtifactStoreException if deleting fails
   */
  List<Artifact> collectGarbage(Instant storedBefore, Set<String> inUse);
}
