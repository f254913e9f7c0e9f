/**
 * Small backend interfaces (service provider interfaces) and the value types they exchange.
 * Backends (Supervisor, LXC, buildpacks, routing) act on hosts only through {@link
 * io.velociraptor.core.spi.CommandRunner}, so they never care whether a host is local or reached
 * over SSH.
 */
package io.velociraptor.core.spi;
