package org.evomerge.engine.config;

import java.util.ArrayList;
import java.util.List;

/**
 * The configuration as read, before checks: a mutable tree mirroring the keys of {@code defaults.yaml}, with paths
 * already resolved against the file that named them. {@link SettingsMapper} turns it into {@link Settings}.
 */
public class SettingsDto {
    private Plugins plugins = new Plugins();
    private Compute compute = new Compute();
    private Run run = new Run();
    private Architectures architectures = new Architectures();
    private Output output = new Output();
    private Evaluation evaluation = new Evaluation();

    public Output getOutput() {
        return output;
    }

    public void setOutput(Output output) {
        this.output = output;
    }

    public static class Output {
        private String format;

        public String getFormat() {
            return format;
        }

        public void setFormat(String format) {
            this.format = format;
        }
    }

    public Evaluation getEvaluation() {
        return evaluation;
    }

    public void setEvaluation(Evaluation evaluation) {
        this.evaluation = evaluation;
    }

    public static class Evaluation {
        private List<String> taskSearchPath = new ArrayList<>();

        public List<String> getTaskSearchPath() {
            return taskSearchPath;
        }

        public void setTaskSearchPath(List<String> taskSearchPath) {
            this.taskSearchPath = taskSearchPath;
        }
    }

    public Architectures getArchitectures() {
        return architectures;
    }

    public void setArchitectures(Architectures architectures) {
        this.architectures = architectures;
    }

    public static class Architectures {
        private List<String> dirs = new ArrayList<>();

        public List<String> getDirs() {
            return dirs;
        }

        public void setDirs(List<String> dirs) {
            this.dirs = dirs;
        }
    }

    public Plugins getPlugins() {
        return plugins;
    }

    public void setPlugins(Plugins plugins) {
        this.plugins = plugins;
    }

    public Compute getCompute() {
        return compute;
    }

    public void setCompute(Compute compute) {
        this.compute = compute;
    }

    public Run getRun() {
        return run;
    }

    public void setRun(Run run) {
        this.run = run;
    }

    public static class Plugins {
        private List<String> dirs = new ArrayList<>();
        private List<String> disabled = new ArrayList<>();
        private String cacheDir;

        public List<String> getDirs() {
            return dirs;
        }

        public void setDirs(List<String> dirs) {
            this.dirs = dirs;
        }

        public List<String> getDisabled() {
            return disabled;
        }

        public void setDisabled(List<String> disabled) {
            this.disabled = disabled;
        }

        public String getCacheDir() {
            return cacheDir;
        }

        public void setCacheDir(String cacheDir) {
            this.cacheDir = cacheDir;
        }
    }

    public static class Compute {
        private String backend;
        private int threads;

        public String getBackend() {
            return backend;
        }

        public void setBackend(String backend) {
            this.backend = backend;
        }

        public int getThreads() {
            return threads;
        }

        public void setThreads(int threads) {
            this.threads = threads;
        }
    }

    public static class Run {
        private long seed;
        private String scratchDir;

        public long getSeed() {
            return seed;
        }

        public void setSeed(long seed) {
            this.seed = seed;
        }

        public String getScratchDir() {
            return scratchDir;
        }

        public void setScratchDir(String scratchDir) {
            this.scratchDir = scratchDir;
        }
    }
}
