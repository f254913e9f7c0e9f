/**
 * vr's immutable domain values: identities (tiny validating records that serialize as bare
 * values), program names, and the aggregates (apps, builds, releases, swarms, hosts, fleet
 * snapshots). Pure: no I/O, no clock, no randomness, no threads.
 */
@VrStyle
package io.velociraptor.core.model;
