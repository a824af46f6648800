// One embedded Drillbit for trying watershed's Drill SQL on this machine (started by scripts/drill.sh).
// Drill's own `Drillbit` main needs ZooKeeper; with a local service set it coordinates in process,
// as `sqlline -u jdbc:drill:zk=local` does, but runs headless until it is sent SIGTERM.

import org.apache.drill.common.config.DrillConfig;
import org.apache.drill.exec.server.Drillbit;
import org.apache.drill.exec.server.RemoteServiceSet;

public final class EmbeddedDrillbit {
  public static void main(String[] args) throws Exception {
    // drill-override.conf comes from the state folder, first on the classpath.
    DrillConfig config = DrillConfig.create();
    RemoteServiceSet services = RemoteServiceSet.getLocalServiceSet();
    // start() registers a shutdown hook that closes the Drillbit on SIGTERM/SIGINT.
    Drillbit drillbit = Drillbit.start(config, services);
    System.out.println("wshed: drillbit online, REST on " + config.getString("drill.exec.http.bind_addr")
        + ":" + drillbit.getWebServerPort());
    Thread.currentThread().join();
  }
}
