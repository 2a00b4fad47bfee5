package org.evomerge.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.classfile.ClassModel;
import java.lang.classfile.constantpool.ClassEntry;
import java.lang.classfile.constantpool.PoolEntry;
import java.lang.classfile.constantpool.Utf8Entry;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The API's packages form a directed acyclic graph, so each capability can be read, versioned and eventually split
 * on its own. Dependencies are read from the compiled classes' constant pools: class references, and the type names
 * inside field, method and generic signatures and annotations, so a type named only in a signature still counts.
 */
class ApiPackageCycleTest {

    /** A type name of the API in internal form, inside a descriptor or signature: the package is group 1. */
    private static final Pattern API_TYPE = Pattern.compile("(org/evomerge/api(?:/[a-z0-9_]+)*)/[A-Za-z0-9_$]+");

    @Test
    void apiPackageGraphHasNoCycle() {
        Map<String, Set<String>> graph = packageGraph(ApiClassFiles.all());
        assertTrue(graph.size() > 10, "expected the API's packages, read " + graph.keySet());
        List<List<String>> cycles = stronglyConnected(graph).stream().filter(c -> c.size() > 1).toList();
        assertEquals(List.of(), cycles, "package cycles in the API (each list is one cycle's packages)");
    }

    @Test
    void detectsACycle() {
        Map<String, Set<String>> graph = new TreeMap<>();
        graph.put("a", Set.of("b"));
        graph.put("b", Set.of("c"));
        graph.put("c", Set.of("a"));
        graph.put("d", Set.of("a"));
        assertEquals(List.of(List.of("a", "b", "c")),
                stronglyConnected(graph).stream().filter(c -> c.size() > 1).toList());
    }

    private static Map<String, Set<String>> packageGraph(List<ClassModel> classes) {
        Map<String, Set<String>> graph = new TreeMap<>();
        for (ClassModel model : classes) {
            String from = packageOf(model.thisClass().asInternalName());
            Set<String> targets = graph.computeIfAbsent(from, k -> new TreeSet<>());
            for (PoolEntry entry : model.constantPool()) {
                String text = switch (entry) {
                    case ClassEntry c -> c.asInternalName();
                    case Utf8Entry u -> u.stringValue();
                    default -> "";
                };
                Matcher m = API_TYPE.matcher(text);
                while (m.find()) {
                    String to = m.group(1).replace('/', '.');
                    if (!to.equals(from)) {
                        targets.add(to);
                    }
                }
            }
        }
        return graph;
    }

    private static String packageOf(String internalName) {
        return internalName.substring(0, internalName.lastIndexOf('/')).replace('/', '.');
    }

    /** Tarjan's algorithm; each component's members sorted, components in discovery order. */
    private static List<List<String>> stronglyConnected(Map<String, Set<String>> graph) {
        Map<String, Integer> index = new HashMap<>();
        Map<String, Integer> low = new HashMap<>();
        Deque<String> stack = new ArrayDeque<>();
        Set<String> onStack = new TreeSet<>();
        List<List<String>> components = new ArrayList<>();
        for (String node : graph.keySet()) {
            if (!index.containsKey(node)) {
                visit(node, graph, index, low, stack, onStack, components);
            }
        }
        return components;
    }

    private static void visit(String node, Map<String, Set<String>> graph, Map<String, Integer> index,
                              Map<String, Integer> low, Deque<String> stack, Set<String> onStack,
                              List<List<String>> components) {
        index.put(node, index.size());
        low.put(node, index.get(node));
        stack.push(node);
        onStack.add(node);
        for (String next : graph.getOrDefault(node, Set.of())) {
            if (!index.containsKey(next)) {
                visit(next, graph, index, low, stack, onStack, components);
                low.put(node, Math.min(low.get(node), low.get(next)));
            } else if (onStack.contains(next)) {
                low.put(node, Math.min(low.get(node), index.get(next)));
            }
        }
        if (low.get(node).equals(index.get(node))) {
            List<String> component = new ArrayList<>();
            String member;
            do {
                member = stack.pop();
                onStack.remove(member);
                component.add(member);
            } while (!member.equals(node));
            component.sort(null);
            components.add(component);
        }
    }
}
