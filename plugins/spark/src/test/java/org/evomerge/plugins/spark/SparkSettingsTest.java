package org.evomerge.plugins.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.evomerge.api.ErrorCategory;
import org.evomerge.api.EvomergeException;
import org.evomerge.api.parameter.Parameters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spark configuration and secret handling, without starting Spark. */
class SparkSettingsTest {

    @TempDir
    Path temp;

    private static Parameters parameters(Map<String, Object> extra) {
        Map<String, Object> values = new HashMap<>(Map.of("cluster", "spark://127.0.0.1:7077", "encryption", true,
                "task_max_failures", 4L));
        values.putAll(extra);
        return new Parameters(values);
    }

    @Test
    void clusterRunsAreAuthenticatedAndEncryptedWithTheSecretFromTheEnvironment() {
        SparkSettings s = SparkSettings.of(parameters(Map.of()), Map.of(ClusterSecret.ENV, " s3cret \n"),
                Optional.of(Path.of("/opt/evomerge/plugin.jar")), Optional.of(Path.of("/opt/evomerge")), "run");
        assertFalse(s.local());
        assertEquals("true", s.conf().get("spark.authenticate"));
        assertEquals("s3cret", s.conf().get("spark.authenticate.secret"));
        assertEquals("true", s.conf().get("spark.network.crypto.enabled"));
        assertEquals("true", s.conf().get("spark.io.encryption.enabled"));
        assertEquals("4", s.conf().get("spark.task.maxFailures"));
        assertEquals("127.0.0.1", s.conf().get("spark.driver.host"));
        assertEquals("file:///opt/evomerge/plugin.jar", s.conf().get("spark.jars"));
        assertEquals("/opt/evomerge/spark/jars/*:/opt/evomerge/lib/*", s.conf().get("spark.executor.extraClassPath"));
        assertTrue(s.conf().get("spark.executor.extraJavaOptions").contains("-Devomerge.home=/opt/evomerge"));
    }

    @Test
    void aSecretFileWinsOverTheEnvironmentAndEncryptionCanBeTurnedOff() throws IOException {
        Path file = Files.writeString(temp.resolve("secret"), "from-file\nignored second line\n");
        SparkSettings s = SparkSettings.of(parameters(Map.of("secret_file", file.toString(), "encryption", false)),
                Map.of(ClusterSecret.ENV, "from-env"), Optional.empty(), Optional.empty(), "run");
        assertEquals("from-file", s.conf().get("spark.authenticate.secret"));
        assertEquals("false", s.conf().get("spark.network.crypto.enabled"));
        assertEquals("true", s.conf().get("spark.authenticate"));
    }

    @Test
    void aClusterRunWithoutASecretIsAConfigurationErrorNamingBothSources() throws IOException {
        EvomergeException e = assertThrows(EvomergeException.class, () -> SparkSettings.of(parameters(Map.of()),
                Map.of(), Optional.empty(), Optional.empty(), "run"));
        assertEquals(ErrorCategory.CONFIGURATION, e.category());
        assertTrue(e.getMessage().contains(ClusterSecret.ENV) && e.getMessage().contains("--cluster-secret-file"));
        Path empty = Files.writeString(temp.resolve("empty"), "\n");
        EvomergeException f = assertThrows(EvomergeException.class, () -> SparkSettings.of(
                parameters(Map.of("secret_file", empty.toString())), Map.of(), Optional.empty(), Optional.empty(), "r"));
        assertTrue(f.getMessage().contains(empty.toString()) && f.getMessage().contains("empty"), f.getMessage());
    }

    @Test
    void localRunsStayOnLoopbackAndNeedNoSecret() {
        SparkSettings s = SparkSettings.of(parameters(Map.of("cluster", "local[3]")), Map.of(), Optional.empty(),
                Optional.empty(), "run");
        assertTrue(s.local());
        assertEquals("127.0.0.1", s.conf().get("spark.driver.bindAddress"));
        assertFalse(s.conf().containsKey("spark.authenticate.secret"));
    }

    @Test
    void badMastersAndReservedPropertiesAreRefused() throws IOException {
        EvomergeException bad = assertThrows(EvomergeException.class, () -> SparkSettings.of(
                parameters(Map.of("cluster", "yarn")), Map.of(), Optional.empty(), Optional.empty(), "run"));
        assertTrue(bad.getMessage().contains("'yarn'"), bad.getMessage());
        Path props = Files.writeString(temp.resolve("spark.properties"), "spark.authenticate=false\n");
        EvomergeException reserved = assertThrows(EvomergeException.class, () -> SparkSettings.of(
                parameters(Map.of("properties_file", props.toString())), Map.of(ClusterSecret.ENV, "x"),
                Optional.empty(), Optional.empty(), "run"));
        assertTrue(reserved.getMessage().contains("spark.authenticate"), reserved.getMessage());
    }

    @Test
    void executorsWithGpusTakeOneGpuPerEvaluationTask() throws IOException {
        Path props = Files.writeString(temp.resolve("gpu.properties"), "spark.executor.resource.gpu.amount=2\n"
                + "spark.executor.resource.gpu.discoveryScript=/opt/getGpus.sh\n");
        SparkSettings s = SparkSettings.of(parameters(Map.of("properties_file", props.toString())),
                Map.of(ClusterSecret.ENV, "x"), Optional.empty(), Optional.empty(), "run");
        assertEquals("1", s.conf().get("spark.task.resource.gpu.amount"));
        assertEquals("2", s.conf().get("spark.executor.resource.gpu.amount"));
    }

    @Test
    void theDescriptorsDefaultsPassItsSchema() {
        assertEquals("spark", SparkExecutorFactory.DESCRIPTOR.id());
        assertEquals("local[2]", SparkExecutorFactory.DESCRIPTOR.parameters().find("cluster").orElseThrow()
                .defaultValue());
    }
}
