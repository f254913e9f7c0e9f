package io.velociraptor.testkit;

/** A JVM that starts a cluster, prints its directory and port, and waits to be killed. */
public final class PostgresClusterChild {
  private PostgresClusterChild() {}

  /**
   * @param args none
   * @throws Exception on any failure
   */
  public static void main(String[] args) throws Exception {
    PostgresCluster pg = PostgresCluster.start();
    System.out.println(pg.directory() + " " + pg.port());
    System.out.flush();
    while (System.in.read() >= 0) {
      // wait for SIGKILL
    }
  }
}
