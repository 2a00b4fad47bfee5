package org.evomerge.plugins.spark;

import java.net.URI;
import java.util.List;
import java.util.Map;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.config.Configurator;
import org.apache.spark.network.TransportContext;
import org.apache.spark.network.client.TransportClient;
import org.apache.spark.network.client.TransportClientBootstrap;
import org.apache.spark.network.client.TransportClientFactory;
import org.apache.spark.network.crypto.AuthClientBootstrap;
import org.apache.spark.network.sasl.SaslClientBootstrap;
import org.apache.spark.network.sasl.SecretKeyHolder;
import org.apache.spark.network.server.NoOpRpcHandler;
import org.apache.spark.network.util.MapConfigProvider;
import org.apache.spark.network.util.TransportConf;
import org.evomerge.api.EvomergeException;

/**
 * Authenticates against the standalone master before a driver starts, with the same handshake Spark's RPC layer
 * uses. Spark itself would only log a warning and retry registration for about a minute when the master refuses
 * the driver's secret; this turns a wrong or missing secret into one clear error at once.
 */
final class ClusterPreflight {

    /** Spark's RPC layer authenticates every connection as this user (SecurityManager's SASL user). */
    private static final String SASL_USER = "sparkSaslUser";

    private ClusterPreflight() {
    }

    static void check(SparkSettings settings) {
        URI master = settings.masterAddress();
        Map<String, String> conf = settings.conf();
        String secret = conf.get("spark.authenticate.secret");
        boolean crypto = Boolean.parseBoolean(conf.getOrDefault("spark.network.crypto.enabled", "false"));
        TransportConf transport = new TransportConf("rpc", new MapConfigProvider(Map.of(
                "spark.network.crypto.enabled", Boolean.toString(crypto),
                "spark.rpc.io.connectionTimeout", "20s")));
        SecretKeyHolder keys = new SecretKeyHolder() {
            @Override
            public String getSaslUser(String appId) {
                return SASL_USER;
            }

            @Override
            public String getSecretKey(String appId) {
                return secret;
            }
        };
        TransportClientBootstrap bootstrap = crypto ? new AuthClientBootstrap(transport, SASL_USER, keys)
                : new SaslClientBootstrap(transport, SASL_USER, keys);
        // A refused handshake is this check's answer, not an error to log: Spark's client logs it at ERROR level.
        Level previous = LogManager.getLogger("org.apache.spark.network").getLevel();
        Configurator.setLevel("org.apache.spark.network", Level.OFF);
        try (TransportContext context = new TransportContext(transport, new NoOpRpcHandler());
             TransportClientFactory factory = context.createClientFactory(List.of(bootstrap))) {
            TransportClient client = factory.createClient(master.getHost(), master.getPort());
            client.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EvomergeException.configuration(settings.master() + ": interrupted while connecting");
        } catch (Exception e) {
            String why = SparkEvaluationExecutor.rootMessage(e);
            boolean refused = why.contains("Connection refused") || why.contains("connect timed out")
                    || why.contains("UnknownHost");
            throw EvomergeException.configuration(settings.master() + (refused
                    ? ": no Spark master answers there (" + why + ")"
                    : ": the Spark master refused this driver: authentication failed (is " + ClusterSecret.ENV
                    + " or the secret file the cluster's secret, and encryption set as on the cluster?) (" + why
                    + ")"));
        } finally {
            Configurator.setLevel("org.apache.spark.network", previous);
        }
    }
}
