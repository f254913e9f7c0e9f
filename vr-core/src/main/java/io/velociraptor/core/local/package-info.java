/**
 * Effects on this machine that more than one backend needs, as the backends may not import each
 * other: running a local command ({@link io.velociraptor.core.local.LocalExec}: isolated, for
 * build scripts, or here, for the runner's tools) and symlink-safe file tree helpers ({@link
 * io.velociraptor.core.local.FileTrees}). Unlike {@code model} and {@code plan}, this package
 * does I/O.
 */
package io.velociraptor.core.local;
