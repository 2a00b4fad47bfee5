package org.evomerge.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster bundle end to end, on the loopback interface only: a standalone Spark Master and two Workers started
 * with {@code bin/evomerge-cluster} and a shared secret, a small evolution run with {@code evolve --cluster} while one
 * executor JVM is killed with SIGKILL mid-generation, and the journal compared with a local run of the same run file
 * (same ids, genomes, metrics and fitness; timing fields aside). A driver and a worker with a wrong secret are
 * refused with one line. Every process started here is stopped in {@link #stopCluster()} and by a shutdown hook.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class ClusterIT {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECRET = "it-secret-" + Long.toHexString(System.nanoTime());

    @TempDir
    static Path temp;

    private Path home;
    private Path pluginDir;
    private String master;
    private final List<Process> started = new CopyOnWriteArrayList<>();
    private final Thread hook = new Thread(this::stopAll, "cluster-it-cleanup");
    private final List<Process> workers = new ArrayList<>();

    private static final String RUN = """
            models: [model-a, model-b]
            genome:
              kind: recipe
              merge_method: linear
              layer_groups: 2
              filters: [self_attn, mlp]
            strategy: {id: it-random, parameters: {batch: 4}}
            evaluators:
              - {name: mean, evaluator: mean-target, parameters: {target: 0.7, delay_ms: 600}}
            budget: {evaluations: 12}
            workers: 2
            seed: 7
            """;

    @BeforeAll
    void startCluster() throws Exception {
        Runtime.getRuntime().addShutdownHook(hook);
        home = Path.of(System.getProperty("evomerge.clusterDistribution")).toAbsolutePath().normalize();
        assertTrue(Files.isExecutable(home.resolve("bin/evomerge-cluster")), "no cluster bundle at " + home);
        pluginDir = EvolveIT.writePlugin(temp);
        EvolveIT.writeModel(temp.resolve("model-a"), 0.0, 1);
        EvolveIT.writeModel(temp.resolve("model-b"), 1.0, 2);
        Files.writeString(temp.resolve("run.yml"), RUN);

        int port = freePort();
        master = "spark://127.0.0.1:" + port;
        Process m = daemon("master", SECRET, List.of("master", "--host", "127.0.0.1", "--port", Integer.toString(port),
                "--webui-port", Integer.toString(freePort())));
        await(() -> log("master").contains("I have been elected leader"), 60, m, "master");
        for (int i = 1; i <= 2; i++) {
            workers.add(daemon("worker" + i, SECRET, List.of("worker", master, "--host", "127.0.0.1", "--cores", "1",
                    "--memory", "1g", "--webui-port", Integer.toString(freePort()),
                    "--work-dir", temp.resolve("work" + i).toString())));
        }
        for (int i = 0; i < workers.size(); i++) {
            String name = "worker" + (i + 1);
            await(() -> log(name).contains("Successfully registered with master"), 120, workers.get(i), name);
        }
    }

    @AfterAll
    void stopCluster() {
        stopAll();
        Runtime.getRuntime().removeShutdownHook(hook);
    }

    private void stopAll() {
        for (Process p : started) {
            p.descendants().forEach(ProcessHandle::destroy);
            p.destroy();
        }
        for (Process p : started) {
            try {
                if (!p.waitFor(10, TimeUnit.SECONDS)) {
                    p.descendants().forEach(ProcessHandle::destroyForcibly);
                    p.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            p.descendants().forEach(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void aRunWithAnExecutorKilledMidGenerationEndsWithTheLocalRunsJournal() throws Exception {
        Processes.Result local = evomerge(Map.of(), 120, "evolve", "run.yml", "--out", "local", "--json");
        assertEquals(0, local.exitCode(), local.toString());

        Process cluster = start("evolve-cluster", Map.of("EVOMERGE_SPARK_SECRET", SECRET), List.of(
                home.resolve("bin/evomerge").toString(), "--plugins-dir", pluginDir.toString(), "evolve", "run.yml",
                "--out", "cluster", "--json", "--cluster", master));
        Path journal = temp.resolve("cluster/journal.jsonl");
        // Mid-generation: the first evaluation is in, the others of its generation are still running.
        await(() -> evaluations(journal) >= 1, 150, cluster, "evolve-cluster");
        List<ProcessHandle> executors = executors();
        assertEquals(2, executors.size(), "executor JVMs: " + executors);
        assertTrue(evaluations(journal) < 12, "the run ended before an executor could be killed");
        ProcessHandle victim = executors.getFirst();
        assertTrue(victim.destroyForcibly(), "SIGKILL " + victim.pid());
        assertTrue(cluster.waitFor(150, TimeUnit.SECONDS), "the cluster run did not finish");
        String out = Files.readString(temp.resolve("evolve-cluster.out"), StandardCharsets.UTF_8);
        assertEquals(0, cluster.exitValue(), out + log("evolve-cluster"));
        assertFalse(victim.isAlive());

        Map<String, JsonNode> expected = evaluationsById(temp.resolve("local/journal.jsonl"));
        Map<String, JsonNode> actual = evaluationsById(journal);
        assertEquals(12, expected.size());
        assertEquals(expected.keySet(), actual.keySet());
        for (String id : expected.keySet()) {
            for (String field : List.of("genome", "fitness", "metrics", "parents", "cached", "fidelity")) {
                assertEquals(expected.get(id).get(field), actual.get(id).get(field), id + " " + field);
            }
        }
        assertEquals(JSON.readTree(local.out()).get("best_id"), JSON.readTree(out).get("best_id"));
        assertEquals(JSON.readTree(local.out()).get("best_fitness"), JSON.readTree(out).get("best_fitness"));
    }

    @Test
    void aDriverAndAWorkerWithAWrongSecretAreRefusedWithOneLine() throws Exception {
        Processes.Result driver = evomerge(Map.of("EVOMERGE_SPARK_SECRET", "not-the-secret"), 90, "evolve", "run.yml",
                "--out", "wrong", "--cluster", master);
        assertEquals(2, driver.exitCode(), driver.toString());
        assertEquals(1, driver.err().strip().lines().count(), driver.err());
        assertTrue(driver.err().contains(master) && driver.err().contains("refused this driver"), driver.err());
        assertFalse(Files.exists(temp.resolve("wrong/journal.jsonl")) && evaluations(temp.resolve("wrong/journal.jsonl")) > 0);

        Processes.Result noSecret = evomerge(Map.of(), 60, "evolve", "run.yml", "--out", "nosecret", "--cluster",
                master);
        assertEquals(2, noSecret.exitCode(), noSecret.toString());
        assertTrue(noSecret.err().contains("EVOMERGE_SPARK_SECRET"), noSecret.err());

        Process worker = daemon("bad-worker", "not-the-secret", List.of("worker", master, "--host", "127.0.0.1",
                "--cores", "1", "--memory", "512m", "--work-dir", temp.resolve("work-bad").toString()));
        assertTrue(worker.waitFor(60, TimeUnit.SECONDS), "a worker with a wrong secret kept running");
        assertEquals(2, worker.exitValue());
        String err = log("bad-worker");
        // Nothing before the one line: no JVM warnings about Netty's native access, no blank line.
        assertEquals(1, err.strip().lines().count(), err);
        assertTrue(err.startsWith("evomerge-cluster: error: " + master + ": the Spark master refused this worker:"
                + " authentication failed"), err);
        assertTrue(err.contains("--secret-file"), err);
    }

    // --- helpers ---

    private Processes.Result evomerge(Map<String, String> env, long timeout, String... args) {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/evomerge").toString(), "--plugins-dir",
                pluginDir.toString()));
        command.addAll(List.of(args));
        Map<String, String> all = new HashMap<>(userEnvironment());
        all.putAll(env);
        return Processes.run(temp, all, timeout, command);
    }

    private Map<String, String> userEnvironment() {
        Path user = temp.resolve("user");
        return Map.of("HOME", user.toString(), "XDG_CONFIG_HOME", user.resolve(".config").toString(),
                "XDG_CACHE_HOME", user.resolve(".cache").toString(), "EVOMERGE_SPARK_SECRET", "",
                // Every Spark service binds to the loopback interface only.
                "SPARK_LOCAL_IP", "127.0.0.1");
    }

    private Process daemon(String name, String secret, List<String> args) throws IOException {
        List<String> command = new ArrayList<>(List.of(home.resolve("bin/evomerge-cluster").toString()));
        command.addAll(args);
        return start(name, Map.of("EVOMERGE_SPARK_SECRET", secret), command);
    }

    private Process start(String name, Map<String, String> env, List<String> command) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).directory(temp.toFile())
                .redirectOutput(temp.resolve(name + ".out").toFile()).redirectError(temp.resolve(name + ".err").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
        builder.environment().putAll(userEnvironment());
        builder.environment().putAll(env);
        Process p = builder.start();
        started.add(p);
        return p;
    }

    private String log(String name) {
        try {
            Path f = temp.resolve(name + ".err");
            return Files.exists(f) ? Files.readString(f, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Executor JVMs the two workers started (their children running Spark's executor backend). */
    private List<ProcessHandle> executors() {
        List<ProcessHandle> found = new ArrayList<>();
        for (Process w : workers) {
            w.descendants().filter(h -> h.info().commandLine().orElse("").contains("CoarseGrainedExecutorBackend"))
                    .forEach(found::add);
        }
        return found;
    }

    private static long evaluations(Path journal) {
        try {
            if (!Files.exists(journal)) {
                return 0;
            }
            return Files.readAllLines(journal).stream().filter(l -> l.contains("\"type\":\"evaluation\"")).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Map<String, JsonNode> evaluationsById(Path journal) throws IOException {
        Map<String, JsonNode> byId = new LinkedHashMap<>();
        for (String line : Files.readAllLines(journal)) {
            JsonNode node = JSON.readTree(line);
            if (node.path("type").asText().equals("evaluation")) {
                assertTrue(byId.put(node.get("id").asText(), node) == null, "journaled twice: " + node.get("id"));
            }
        }
        return byId;
    }

    private void await(BooleanSupplier condition, long seconds, Process process, String name) throws Exception {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (!condition.getAsBoolean()) {
            if (!process.isAlive()) {
                throw new AssertionError(name + " exited with " + process.exitValue() + ": " + tail(log(name)));
            }
            if (System.nanoTime() > end) {
                throw new AssertionError("timed out waiting for " + name + ": " + tail(log(name)));
            }
            Thread.sleep(100);
        }
    }

    private static String tail(String text) {
        return text.length() > 4000 ? text.substring(text.length() - 4000) : text;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

}
