package io.velociraptor.core.deploy;

import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Build;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.InvalidValueException;
import io.velociraptor.core.model.Release;
import io.velociraptor.core.model.ReleaseHash;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmRun;
import io.velociraptor.core.model.Version;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Build and artifact garbage collection (see {@link Dispatcher#gc}): keeps what a rollback to each
 * swarm's last K successful releases needs, and what stored swarms and live runs use.
 */
final class BuildGc {
  private final Dispatcher d;
  private final int keep;
  private final boolean dryRun;
  private final List<String> warnings = new ArrayList<>();

  private record Key(AppName app, Version version) implements Comparable<Key> {
    static Key of(Build b) {
      return new Key(b.app(), b.version());
    }

    static Key of(Swarm s) {
      return new Key(s.app(), s.version());
    }

    @Override
    public int compareTo(Key o) {
      int c = app.value().compareTo(o.app.value());
      return c != 0 ? c : version.value().compareTo(o.version.value());
    }

    @Override
    public String toString() {
      return app + " " + version;
    }
  }

  BuildGc(Dispatcher d, int keep, boolean dryRun) {
    if (keep < 1) {
      throw InvalidValueException.of("releases to keep", keep, "must be at least 1 (the current release's build is always kept)");
    }
    this.d = d;
    this.keep = keep;
    this.dryRun = dryRun;
  }

  GcReport run() {
    Set<Key> kept = new TreeSet<>();
    // (app, version, build hash) of every build a stored swarm's run rolled out: only such a build may go
    Set<String> rolledOut = new TreeSet<>();
    Set<ReleaseHash> keptReleases = new TreeSet<>();
    if (!dryRun) {
      d.store.reclaimStale(); // a dead dispatcher's run would hold the collection up forever
    }
    for (Swarm s : d.store.swarms()) {
      kept.add(Key.of(s));
      List<SwarmRun> runs = d.store.history(s.id());
      for (SwarmRun r : runs) {
        if (!r.state().isTerminal()) {
          if (r.swarm().isEmpty()) {
            String busy = "run " + r.id() + " of swarm " + s.name() + " is resolving its build (" + r.state().wire() + ")";
            if (!dryRun) {
              throw new io.velociraptor.core.VrException("not collecting builds: " + busy + "; run gc again once it has");
            }
            warnings.add(busy + ": a collection now would be refused");
            kept.add(Key.of(s));
            continue;
          }
          kept.add(Key.of(r.swarm().get())); // a live or paused run's build
        }
      }
      ReleaseHistory history = ReleaseHistory.of(s.id(), runs, d.store::release);
      for (ReleaseRecord r : history.records()) {
        r.buildHash().ifPresent(h -> rolledOut.add(r.app() + " " + r.version() + " " + h));
      }
      for (ReleaseRecord r : history.lastSucceeded(keep)) {
        kept.add(new Key(r.app(), r.version()));
        keptReleases.add(r.release());
      }
    }
    Set<AppName> apps = new TreeSet<>((a, b) -> a.value().compareTo(b.value()));
    d.store.apps().forEach(a -> apps.add(a.name()));
    d.store.swarms().forEach(s -> apps.add(s.app()));
    List<Build> deleted = new ArrayList<>();
    Map<Key, Build> remaining = new TreeMap<>();
    for (AppName app : apps) {
      for (Build b : d.store.builds(app)) {
        Key k = Key.of(b);
        boolean released = b.sha256().or(b::md5).map(h -> rolledOut.contains(k + " " + h)).orElse(false);
        if (kept.contains(k) || !released) {
          remaining.put(k, b); // builds no stored swarm ever rolled out (a `vr build` ahead of its dispatch) stay
        } else {
          deleted.add(b);
        }
      }
    }
    List<ReleaseHash> deletedReleases = new ArrayList<>();
    for (Release r : d.store.releases()) {
      Build built = remaining.get(Key.of(r.build()));
      boolean buildStays = built != null && built.sha256().or(built::md5).equals(Optional.of(r.build().buildHash()));
      if (!buildStays && !keptReleases.contains(r.hash())) {
        deletedReleases.add(r.hash());
      }
    }
    Set<String> keptShas = new TreeSet<>();
    remaining.values().forEach(b -> b.sha256().ifPresent(keptShas::add));
    Set<String> deadShas = new TreeSet<>();
    deleted.forEach(b -> b.sha256().filter(sha -> !keptShas.contains(sha)).ifPresent(deadShas::add));
    if (!dryRun) {
      for (Build b : deleted) {
        d.store.deleteBuild(b.app(), b.version());
      }
      for (ReleaseHash h : deletedReleases) {
        d.store.deleteRelease(h);
      }
    }
    List<String> deletedArtifacts = new ArrayList<>();
    if (d.artifacts.isEmpty()) {
      if (!deadShas.isEmpty()) {
        warnings.add("no artifact store is configured: the tarballs of the deleted builds stay where they are");
      }
    } else {
      for (String sha : deadShas) {
        if (dryRun ? d.artifacts.get().find(sha).isPresent() : d.artifacts.get().delete(sha)) {
          deletedArtifacts.add(sha);
        }
      }
    }
    Map<String, List<String>> hosts = pruneHosts(keptShas);
    return new GcReport(keep, dryRun, remaining.keySet().stream().map(Key::toString).toList(),
        deleted.stream().map(b -> Key.of(b).toString()).sorted().toList(), deletedReleases, deletedArtifacts, hosts,
        warnings);
  }

  /** Prunes each reachable host's builds to the kept ones; a host that fails is a warning. */
  private Map<String, List<String>> pruneHosts(Set<String> keptShas) {
    Map<String, List<String>> out = new TreeMap<>();
    for (HostSnapshot h : d.observer.observe(d.fleet.hosts())) {
      if (!h.reachable()) {
        warnings.add("host " + h.host().name() + " is unreachable (" + h.unreachableReason().orElse("")
            + "): its builds were not pruned");
        continue;
      }
      try {
        out.put(h.host().name().value(), d.runtime.pruneBuilds(d.runners.runner(h.host()), keptShas, dryRun));
      } catch (RuntimeException e) {
        warnings.add("could not prune the builds on " + h.host().name() + ": " + e.getMessage());
      }
    }
    return out;
  }
}
