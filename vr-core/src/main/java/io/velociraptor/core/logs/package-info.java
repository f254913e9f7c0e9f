/** Log drains: where a swarm's log lines go besides the hosts' own logs ({@link io.velociraptor.core.spi.LogDrain}). */
package io.velociraptor.core.logs;
