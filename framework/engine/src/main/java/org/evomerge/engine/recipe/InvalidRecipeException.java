package org.evomerge.engine.recipe;

/**
 * A recipe part that breaks one of the recipe rules. The rules live in the parts' constructors, so a recipe built in
 * code is checked exactly as one read from YAML; {@link RecipeReader} adds the file and the full key.
 */
public final class InvalidRecipeException extends IllegalArgumentException {

    private final String key;
    private final String problem;

    /**
     * @param key     the offending part relative to the part being built ({@code sources[1].layer_range}), or empty
     *                for that part itself
     * @param problem what is wrong, phrased to follow the key ({@code is empty})
     */
    public InvalidRecipeException(String key, String problem) {
        super(key.isEmpty() ? problem : "'" + key + "' " + problem);
        this.key = key;
        this.problem = problem;
    }

    public String key() {
        return key;
    }

    public String problem() {
        return problem;
    }

    /** The offending key under {@code parent}, the key of the part that was being built. */
    public String keyUnder(String parent) {
        if (key.isEmpty()) {
            return parent;
        }
        if (parent.isEmpty()) {
            return key;
        }
        return key.startsWith("[") ? parent + key : parent + "." + key;
    }
}
