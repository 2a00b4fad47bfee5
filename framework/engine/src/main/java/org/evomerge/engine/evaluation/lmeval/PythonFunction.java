package org.evomerge.engine.evaluation.lmeval;

import java.nio.file.Path;

/**
 * A {@code !function module.name} value of an lm-evaluation-harness task file: a reference to Python code next to the
 * file, which evomerge cannot run. Kept as a value so that only a task that uses one is refused, with the place it
 * was written.
 *
 * @param reference what follows the tag, e.g. {@code utils.process_docs}
 * @param file the YAML file that wrote it
 * @param line its 1-based line
 */
public record PythonFunction(String reference, Path file, int line) {

    /** The Python file the reference points into, as lm-eval finds it: {@code utils.process_docs} → {@code utils.py}. */
    public Path module() {
        int dot = reference.lastIndexOf('.');
        String module = dot < 0 ? reference : reference.substring(0, dot);
        return file.toAbsolutePath().getParent().resolve(module.replace('.', '/') + ".py");
    }
}
