package io.velociraptor.examples.quickstart;

import io.velociraptor.buildpack.BuildpackBuildBackend;
import io.velociraptor.core.deploy.DispatchResult;
import io.velociraptor.core.deploy.Dispatcher;
import io.velociraptor.core.deploy.FleetConfig;
import io.velociraptor.core.model.App;
import io.velociraptor.core.model.AppName;
import io.velociraptor.core.model.Buildpack;
import io.velociraptor.core.model.ConfigName;
import io.velociraptor.core.model.Env;
import io.velociraptor.core.model.Host;
import io.velociraptor.core.model.HostName;
import io.velociraptor.core.model.HostSnapshot;
import io.velociraptor.core.model.PortRange;
import io.velociraptor.core.model.ProcTypeName;
import io.velociraptor.core.model.Squad;
import io.velociraptor.core.model.SquadName;
import io.velociraptor.core.model.Swarm;
import io.velociraptor.core.model.SwarmId;
import io.velociraptor.core.model.Version;
import io.velociraptor.core.remote.LocalCommandRunner;
import io.velociraptor.core.store.FileStore;
import io.velociraptor.core.store.FileSystemArtifactStore;
import io.velociraptor.lxc.RunnerInstall;
import io.velociraptor.lxc.RuntimeKind;
import io.velociraptor.supervisor.embedded.EmbeddedProcController;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Builds a one-file Java app with a buildpack, runs 2 procs of it on this machine, then removes them. */
public final class QuickStart {
  public static void main(String[] args) throws IOException {
    Path work = Files.createTempDirectory("vr-quickstart-"); // everything lives here: no root needed
    Files.setPosixFilePermissions(work, PosixFilePermissions.fromString("rwxr-xr-x")); // root runs procs as nobody
    System.exit(run(work, PortRange.of(8100, 8109)).succeeded() ? 0 : 1);
  }

  /** @return the run that failed, or the delete run after a dispatch that succeeded */
  public static DispatchResult run(Path work, PortRange ports) throws IOException {
    // the app (a Procfile and one Java file) and a buildpack that accepts it: yours live in git
    Path src = Files.createDirectories(work.resolve("src/hello"));
    Files.writeString(src.resolve("Procfile"), "web: exec java Hello.java\n");
    Files.writeString(src.resolve("Hello.java"), "public class Hello { public static void main(String[] a) throws Exception {\n"
        + "  var s = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress(Integer.parseInt(System.getenv(\"PORT\"))), 0);\n"
        + "  s.createContext(\"/\", x -> { byte[] b = \"hello from vr\\n\".getBytes(); x.sendResponseHeaders(200, b.length); x.getResponseBody().write(b); x.close(); });\n"
        + "  s.start(); } }\n");
    // its uptest: a proc is routed only once this passes (every executable file in uptests/<proc>/)
    Path uptests = Files.createDirectories(src.resolve("uptests/web"));
    Files.writeString(uptests.resolve("answers"), "#!/bin/sh\nexec java \"$(dirname \"$0\")/Answers.java\" \"$1\" \"$2\"\n");
    Files.setPosixFilePermissions(uptests.resolve("answers"), PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(uptests.resolve("Answers.java"), "public class Answers { public static void main(String[] a) throws Exception {\n"
        + "  var url = java.net.URI.create(\"http://\" + a[0] + \":\" + a[1] + \"/\").toURL();\n"
        + "  long deadline = System.nanoTime() + 20_000_000_000L; // the app's JVM may not listen yet\n"
        + "  while (true) {\n"
        + "    try (var in = url.openStream()) { String body = new String(in.readAllBytes()); System.out.print(body);\n"
        + "      System.exit(body.equals(\"hello from vr\\n\") ? 0 : 1); }\n"
        + "    catch (java.io.IOException e) { if (System.nanoTime() > deadline) { System.out.println(e); System.exit(1); }\n"
        + "      java.util.concurrent.locks.LockSupport.parkNanos(200_000_000L); } } } }\n");
    Path bin = Files.createDirectories(work.resolve("buildpacks/java-source/bin"));
    Files.writeString(bin.resolve("detect"), "#!/bin/sh\necho java-source\n");
    Files.writeString(bin.resolve("compile"), "#!/bin/sh\necho '       nothing to compile: java runs Hello.java from source'\n");
    Files.writeString(bin.resolve("release"), "#!/bin/sh\necho '--- {}'\n");
    for (String script : List.of("detect", "compile", "release")) {
      Files.setPosixFilePermissions(bin.resolve(script), PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    // the runner Supervisor starts each proc through: root, launcher (<root>/bin/vr-runner), java, classpath
    RunnerInstall runner = RunnerInstall.builder().root(work.resolve("runner")).runtime(RuntimeKind.PLAIN)
        .classpathOfThisJvm().build(); // a Spring Boot fat jar: .runnerJar(..), see docs/runner.md
    Host host = Host.builder().name(HostName.of("local")).address("127.0.0.1").portRange(ports).build();
    try (FileStore store = FileStore.open(work.resolve("store"));
        EmbeddedProcController procs = EmbeddedProcController.create(work.resolve("logs"));
        LocalCommandRunner local = LocalCommandRunner.builder().root(work).build()) {
      runner.install(local); // on a real host it is installed once
      store.putApp(App.builder().name(AppName.of("hello")).repoUrl(src.toString()).repoType(App.RepoType.LOCAL)
          .addBuildpacks(Buildpack.parse(bin.getParent().toString())).build());
      try (BuildpackBuildBackend builds = BuildpackBuildBackend.builder().home(work.resolve("builds"))
              .artifactStore(FileSystemArtifactStore.of(work.resolve("artifacts")))
              .runScriptsAsCurrentUser() // or .buildUser("vrbuild"): an unprivileged system user of yours
              .build();
          Dispatcher dispatcher = Dispatcher.builder()
              .store(store).procs(procs).runners(h -> local).builds(builds)
              .fleet(FleetConfig.of(List.of(host), List.of(Squad.builder().name(SquadName.of("local")).addHosts(host.name()).build())))
              .observer(hs -> hs.stream().map(h -> HostSnapshot.reachable(h, procs.procs(h))).toList())
              .runtime(runner.runtime(Duration.ofMinutes(2))) // drives that launcher and root
              .listener(event -> System.out.println(event.describe()))
              .build()) {
        Swarm swarm = Swarm.builder().id(SwarmId.of("hellowww")).app(AppName.of("hello")).procType(ProcTypeName.of("web"))
            .config(ConfigName.of("demo")).squad(SquadName.of("local")).size(2).version(Version.of("1.0"))
            .env(Env.of(Map.of("PATH", runner.java().getParent() + ":/usr/bin:/bin"))).build();
        System.out.print(dispatcher.plan(swarm).render()); // a dry run first: 2 starts, the build pending
        DispatchResult run = dispatcher.dispatch(swarm); // build, start, uptest, route, retire
        if (!run.succeeded()) {
          System.out.println("dispatch failed: " + run.run().failureReason().orElse(""));
          return run;
        }
        System.out.print(run.plan().orElseThrow().render()); // what it did
        System.out.print(dispatcher.plan(swarm).render()); // a dry run now: nothing to do
        return dispatcher.delete(swarm.id()); // retires both procs
      }
    }
  }
}
