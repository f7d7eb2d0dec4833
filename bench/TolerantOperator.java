import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.datapurge.cli.OperatorCommand;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.jdkhttp.JdkHttpClientFactory;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;

/**
 * `user-data-purge.jar operator ARGS` for benchmarks on a shared cluster whose CRD is newer than this
 * branch's model (another branch's CRD adds spec fields with defaults, which the API server writes
 * into every resource; the operator's client refuses unknown fields, so its informer stops). The
 * same operator, started as OperatorCommand starts it, with a client that ignores unknown fields.
 * Compiled to a class first (bench/operator-memory.sh), so no compiler sits in the measured process.
 */
public class TolerantOperator {
  public static void main(String[] args) throws Exception {
    OperatorCommand command = new OperatorCommand();
    new CommandLine(command).parseArgs(args);
    ObjectMapper mapper = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    var client = new KubernetesClientBuilder().withHttpClientFactory(new JdkHttpClientFactory())
        .withKubernetesSerialization(new KubernetesSerialization(mapper, true)).build();
    OperatorCommand.Running running = command.start(client);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      running.close();
      stopped.countDown();
    }));
    stopped.await();
  }
}
