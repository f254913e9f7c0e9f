/**
 * The two {@link io.velociraptor.core.spi.CommandRunner}s: {@link
 * io.velociraptor.core.remote.LocalCommandRunner} (this machine, {@link java.lang.ProcessBuilder})
 * and {@link io.velociraptor.core.remote.JschCommandRunner} (a host over SSH, one reused session
 * per host, host keys verified by default).
 */
package io.velociraptor.core.remote;
