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

    /**
     * Who authenticates: named in the refusal, with where its secret and its encryption setting come from, since
     * either differing from the master's is why a handshake is refused.
     */
    enum Client {
        DRIVER("this driver", ClusterSecret.ENV + " or --cluster-secret-file",
                "the run's 'encryption' execution parameter"),
        WORKER("this worker", ClusterSecret.ENV + " or --secret-file", "evomerge-cluster --no-encryption");

        private final String name;
        private final String secretFrom;
        private final String encryptionFrom;

        Client(String name, String secretFrom, String encryptionFrom) {
            this.name = name;
            this.secretFrom = secretFrom;
            this.encryptionFrom = encryptionFrom;
        }

        /** The one line for a refused handshake: what was refused, and the two settings that must match. */
        String refusal(String master, String detail) {
            return master + ": the Spark master refused " + name + ": authentication failed, so its shared secret ("
                    + secretFrom + ") is not the master's, or its encryption setting (" + encryptionFrom
                    + ") differs from the master's" + detail;
        }
    }

    private ClusterPreflight() {
    }

    static void check(SparkSettings settings, Client client) {
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
            TransportClient connection = factory.createClient(master.getHost(), master.getPort());
            connection.close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw EvomergeException.configuration(settings.master() + ": interrupted while connecting");
        } catch (Exception e) {
            String why = SparkEvaluationExecutor.rootMessage(e);
            boolean refused = why.contains("Connection refused") || why.contains("connect timed out")
                    || why.contains("UnknownHost");
            throw EvomergeException.configuration(refused
                    ? settings.master() + ": no Spark master answers there (" + why + ")"
                    : client.refusal(settings.master(), detail(e)));
        } finally {
            Configurator.setLevel("org.apache.spark.network", previous);
        }
    }

    /** The root cause's message in parentheses; nothing when it has none (a closed channel is only its type). */
    private static String detail(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() == null || root.getMessage().isBlank() ? ""
                : " (" + root.getMessage().lines().findFirst().orElse("").strip() + ")";
    }
}
