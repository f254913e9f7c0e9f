/**
 * The pure planner: {@link io.velociraptor.core.plan.Planner#plan} turns a desired swarm, a fleet
 * snapshot and a policy into a {@link io.velociraptor.core.plan.SwarmPlan}, the proc diff with
 * port accounting. No I/O, no clock, no randomness, no threads; same input, same plan.
 */
@VrStyle
package io.velociraptor.core.plan;

import io.velociraptor.core.model.VrStyle;
