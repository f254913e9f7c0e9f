package io.velociraptor.lxc;

import java.time.Duration;

/** Where the runner lives on hosts, and how long its commands may take. */
record RuntimeSettings(String launcher, String root, Duration setupTimeout, int maxUptests) {
  RuntimeSettings {
    ProcYaml.absoluteNormal("runner launcher", launcher);
    ProcYaml.absoluteNormal("runner root", root);
    if (setupTimeout.isNegative() || setupTimeout.isZero()) {
      throw RunnerException.badValue("setup timeout", setupTimeout, "must be positive");
    }
    if (maxUptests < 1) {
      throw RunnerException.badValue("max uptests", maxUptests, "must be at least 1");
    }
  }
}
