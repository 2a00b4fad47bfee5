package org.evomerge.plugins.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.parameter.Parameters;
import org.apache.spark.network.TransportContext;
import org.apache.spark.network.crypto.AuthServerBootstrap;
import org.apache.spark.network.sasl.SecretKeyHolder;
import org.apache.spark.network.server.NoOpRpcHandler;
import org.apache.spark.network.server.TransportServer;
import org.apache.spark.network.util.MapConfigProvider;
import org.apache.spark.network.util.TransportConf;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The handshake check against a server speaking Spark's RPC authentication (the one a standalone master runs), with
 * another secret: the refusal names who was refused and the two settings that must match the master's.
 */
class ClusterPreflightTest {

    @ParameterizedTest
    @EnumSource(ClusterPreflight.Client.class)
    void aWrongSecretIsRefusedNamingWhoConnectedAndWhereItsSecretComesFrom(ClusterPreflight.Client client)
            throws Exception {
        TransportConf conf = new TransportConf("rpc", new MapConfigProvider(Map.of(
                "spark.network.crypto.enabled", "true")));
        SecretKeyHolder masterSecret = new SecretKeyHolder() {
            @Override
            public String getSaslUser(String appId) {
                return "sparkSaslUser";
            }

            @Override
            public String getSecretKey(String appId) {
                return "the-cluster-secret";
            }
        };
        try (TransportContext context = new TransportContext(conf, new NoOpRpcHandler());
             TransportServer server = context.createServer("127.0.0.1", 0,
                     List.of(new AuthServerBootstrap(conf, masterSecret)))) {
            String master = "spark://127.0.0.1:" + server.getPort();
            SparkSettings settings = SparkSettings.of(new Parameters(Map.of("cluster", master, "encryption", true,
                    "task_max_failures", 1L)), Map.of(ClusterSecret.ENV, "not-the-secret"), Optional.empty(),
                    Optional.empty(), "preflight test");

            EvomergeException e = assertThrows(EvomergeException.class,
                    () -> ClusterPreflight.check(settings, client));

            assertEquals(ErrorCategory.CONFIGURATION, e.category());
            assertEquals(1, e.getMessage().lines().count(), e.getMessage());
            String who = client == ClusterPreflight.Client.WORKER ? "this worker" : "this driver";
            String secretOption = client == ClusterPreflight.Client.WORKER ? "--secret-file" : "--cluster-secret-file";
            assertTrue(e.getMessage().startsWith(master + ": the Spark master refused " + who
                    + ": authentication failed"), e.getMessage());
            assertTrue(e.getMessage().contains(ClusterSecret.ENV + " or " + secretOption), e.getMessage());
            assertTrue(e.getMessage().contains("encryption"), e.getMessage());
            assertTrue(!e.getMessage().contains("Exception"), "no bare exception type: " + e.getMessage());
        }
    }
}
