package org.evomerge.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.classfile.Annotation;
import java.lang.classfile.AnnotationValue;
import java.lang.classfile.Attributes;
import java.lang.classfile.ClassModel;
import java.lang.classfile.MethodModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every {@link Experimental} element tells a plugin author what the feature is and why it may still change; a
 * reason that points to an issue or a work item means nothing outside the project's tracker. The annotation has
 * class retention, so it is read from the compiled classes.
 */
class ExperimentalReasonTest {

    private static final String EXPERIMENTAL = "L" + Experimental.class.getName().replace('.', '/') + ";";

    /** Issue or work-item references: "issue 16", "#12", "wave 2", "item 3", "work item". */
    private static final Pattern WORK_ITEM = Pattern.compile(
            "(?i)\\bissues?\\b|#\\d|\\bwave\\b|\\bitem\\s*\\d|\\bwork items?\\b|\\bticket\\b|\\btodo\\b");

    @Test
    void everyExperimentalReasonDescribesTheFeature() {
        Map<String, String> reasons = experimentalReasons();
        assertTrue(reasons.size() >= 40, "expected the API's @Experimental elements, read " + reasons.keySet());
        List<String> bad = new ArrayList<>();
        reasons.forEach((element, reason) -> {
            if (reason.isBlank() || WORK_ITEM.matcher(reason).find()) {
                bad.add(element + ": '" + reason + "'");
            }
        });
        assertEquals(List.of(), bad, "@Experimental reasons must say what the feature is and why it may change");
    }

    @Test
    void workItemReferencesAreRecognised() {
        assertTrue(WORK_ITEM.matcher("issue 16: one fitness definition").find());
        assertTrue(WORK_ITEM.matcher("the evolution engine issue settles the genome encodings").find());
        assertTrue(!WORK_ITEM.matcher("genome encodings of the search strategies; new kinds may be added").find());
    }

    /** Element name (class, or class#method) to its reason, for every element annotated {@code @Experimental}. */
    private static Map<String, String> experimentalReasons() {
        Map<String, String> reasons = new TreeMap<>();
        for (ClassModel model : ApiClassFiles.all()) {
            String name = model.thisClass().asInternalName().replace('/', '.');
            model.findAttribute(Attributes.runtimeInvisibleAnnotations())
                    .ifPresent(a -> collect(name, a.annotations(), reasons));
            for (MethodModel method : model.methods()) {
                method.findAttribute(Attributes.runtimeInvisibleAnnotations())
                        .ifPresent(a -> collect(name + "#" + method.methodName().stringValue(), a.annotations(), reasons));
            }
        }
        return reasons;
    }

    private static void collect(String element, List<Annotation> annotations, Map<String, String> reasons) {
        for (Annotation annotation : annotations) {
            if (annotation.className().stringValue().equals(EXPERIMENTAL)) {
                String reason = annotation.elements().stream()
                        .filter(e -> e.name().stringValue().equals("reason"))
                        .map(e -> e.value() instanceof AnnotationValue.OfString s ? s.stringValue() : "")
                        .findFirst().orElse("");
                reasons.put(element, reason);
            }
        }
    }
}
