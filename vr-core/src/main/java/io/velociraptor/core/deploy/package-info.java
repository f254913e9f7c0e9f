/**
 * The dispatcher: makes a swarm so. Observe, plan, reserve ports, start (parallel across hosts,
 * serial per host), uptest, route, stop, release ports, re-observe; every dispatch is a persisted
 * swarm run with typed events. See {@link io.velociraptor.core.deploy.Dispatcher}.
 */
package io.velociraptor.core.deploy;
