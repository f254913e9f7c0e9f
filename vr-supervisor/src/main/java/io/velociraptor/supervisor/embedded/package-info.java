/**
 * The embedded supervisor: an in-JVM {@link io.velociraptor.core.spi.ProcController} with
 * Supervisor's state model, for machines without supervisord.
 */
package io.velociraptor.supervisor.embedded;
