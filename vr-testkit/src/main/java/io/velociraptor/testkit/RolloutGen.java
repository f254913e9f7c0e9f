package io.velociraptor.testkit;

import io.velociraptor.core.model.ImmutableUpdatePolicy;
import io.velociraptor.core.model.OnFailure;
import io.velociraptor.core.model.ProcCount;
import io.velociraptor.core.model.UpdatePolicy;
import io.velociraptor.core.plan.RolloutPlan;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Generators of update policies and of staged-planner cases ({@link PlanGen#cases()} with a
 * policy), with shrinking: a case shrinks its fleet and swarm as {@link PlanShrinker} does, and
 * its policy towards the defaults (canary off, no surge limit, everything at once).
 */
public final class RolloutGen {
  private RolloutGen() {}

  /**
   * Valid update policies for a swarm of {@code size} procs.
   *
   * @param size the swarm's size the policy is for (canary, counts and min_in_service stay within it)
   * @return valid policies for a swarm of that size: small counts and percents, often a surge
   *     limit, sometimes a canary
   */
  public static Gen<UpdatePolicy> policies(int size) {
    Gen<UpdatePolicy> gen = (r, s) -> {
      ImmutableUpdatePolicy.Builder b = UpdatePolicy.builder();
      if (r.nextInt(10) < 8) {
        b.maxParallel(count(r, 1, 4, 1));
      }
      int surge = Integer.MAX_VALUE;
      if (r.nextInt(10) < 6) {
        ProcCount c = count(r, 1, 3, 1);
        b.maxSurge(c);
        surge = Math.max(1, c.resolve(size));
      }
      if (r.nextInt(10) < 6) {
        ProcCount m = r.nextBoolean() ? ProcCount.of(r.nextInt(size + 1)) : ProcCount.percent(r.nextInt(101));
        b.minInService(m);
      }
      if (r.nextInt(10) < 3 && size > 0) {
        b.canary(1 + r.nextInt(Math.min(size, Math.min(surge, 3))));
      }
      if (r.nextInt(4) == 0) {
        b.minHealthySeconds(r.nextInt(60)).drainSeconds(r.nextInt(30));
      }
      if (r.nextInt(5) == 0) {
        b.onFailure(OnFailure.REVERT);
      }
      return b.build();
    };
    return gen.shrinkingWith(shrinker());
  }

  /** Staged-planner cases: a planner case and a policy valid for its swarm's size. */
  public static Gen<RolloutCase> cases() {
    Gen<RolloutCase> gen = (r, s) -> {
      PlanCase c = PlanGen.cases().generate(r, s);
      return new RolloutCase(c, policies(c.desired().swarm().size()).generate(r, s));
    };
    return gen.shrinkingWith(caseShrinker());
  }

  /** The policy shrinker: each field towards its default, one at a time. */
  public static Shrinker<UpdatePolicy> shrinker() {
    return u -> {
      List<UpdatePolicy> out = new ArrayList<>();
      UpdatePolicy d = UpdatePolicy.defaults();
      if (u.canary() > 0) {
        out.add(UpdatePolicy.builder().from(u).canary(0).build());
        if (u.canary() > 1) {
          out.add(UpdatePolicy.builder().from(u).canary(u.canary() - 1).build());
        }
      }
      if (u.maxSurge().isPresent()) {
        out.add(UpdatePolicy.builder().from(u).maxSurge(Optional.empty()).build());
      }
      if (!u.maxParallel().equals(d.maxParallel())) {
        out.add(UpdatePolicy.builder().from(u).maxParallel(d.maxParallel()).build());
      }
      if (!u.minInService().equals(d.minInService())) {
        out.add(UpdatePolicy.builder().from(u).minInService(d.minInService()).build());
      }
      if (u.minHealthySeconds() != 0 || u.drainSeconds() != 0 || u.onFailure() != OnFailure.STOP) {
        out.add(UpdatePolicy.builder().from(u).minHealthySeconds(0).drainSeconds(0).onFailure(OnFailure.STOP).build());
      }
      return out.stream();
    };
  }

  /** The case shrinker: the planner case first (hosts, procs, size...), then the policy. */
  public static Shrinker<RolloutCase> caseShrinker() {
    return c -> Stream.concat(
        PlanShrinker.shrinker().shrink(c.plan()).map(p -> new RolloutCase(p, c.update())),
        shrinker().shrink(c.update()).map(u -> new RolloutCase(c.plan(), u)));
  }

  /**
   * What a rollout case exercises, for {@link PropertyRunner.Described#classifiedBy}.
   *
   * @param c a case
   * @return its labels
   */
  public static List<String> labels(RolloutCase c) {
    List<String> out = new ArrayList<>(PlanGen.labels(c.plan()));
    RolloutPlan r = c.rollout();
    int waves = r.waves().size();
    out.add(waves == 0 ? "0 waves" : waves == 1 ? "1 wave" : waves <= 3 ? "2-3 waves" : "4+ waves");
    if (r.hasCanary()) {
      out.add("canary");
    }
    if (r.maxProcs().isPresent()) {
      out.add("surge limit");
      if (r.procsBefore() + 1 > r.maxProcs().get()) {
        out.add("above the limit");
      }
    }
    if (r.minInService() > 0 && r.minInService() < r.inServiceBefore()) {
      out.add("in-service floor below what serves");
    }
    return out;
  }

  /**
   * The policy in the one-line form a swarm file writes it.
   *
   * @param u a policy
   * @return it on one line, as a swarm file writes it
   */
  public static String describe(UpdatePolicy u) {
    return "{max_parallel: " + u.maxParallel() + ", max_surge: " + u.maxSurge().map(ProcCount::format).orElse("none")
        + ", min_in_service: " + u.minInService() + ", canary: " + u.canary() + "}";
  }

  private static ProcCount count(SplittableRandom r, int min, int max, int minPercent) {
    return r.nextBoolean() ? ProcCount.of(min + r.nextInt(max - min + 1))
        : ProcCount.percent(pick(r, List.of(minPercent, 10, 25, 34, 50, 100)));
  }

  private static <T> T pick(SplittableRandom r, List<T> list) {
    return list.get(r.nextInt(list.size()));
  }
}
