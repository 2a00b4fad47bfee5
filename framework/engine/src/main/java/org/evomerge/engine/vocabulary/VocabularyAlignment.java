package org.evomerge.engine.vocabulary;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.evomerge.api.EvomergeException;
import org.evomerge.engine.recipe.TokenizerSettings;

/**
 * mergekit's vocabulary alignment (ALGORITHMS.md B.14): the output vocabulary a recipe asks for, each input model's
 * map from output token ids to its own embedding rows, and the rebuilding of embedding and head matrices in the
 * output order, done before the merge method sees them.
 *
 * <p><b>Output vocabulary.</b> {@code base}: the base model's tokenizer (the first model's when the recipe has no
 * base) without the tokens whose id is at or beyond its config's {@code vocab_size}. A model: that folder's tokenizer.
 * {@code union}: the base's vocabulary; then, in recipe order, every other model's tokens that are not added tokens
 * and not yet present (each a new plain added token); then every model's added tokens not yet present, with the first
 * model's settings (special, normalized, ...). Tokens at or beyond a model's {@code vocab_size} never count. Tokens
 * named in the recipe's {@code tokens:} block are added last when absent. New tokens take consecutive ids after the
 * largest existing one.
 *
 * <p><b>Rows.</b> For output token j and model m: m's own row if m has the token (a row index below its matrix's row
 * count) and the token is not {@code force}d; otherwise the token's default row: the configured source (the same
 * token of a model, a given row or token of a model's own vocabulary, or zero); without one, the row of the only
 * model that has the token, else the base's row when the base has it, else the mean (in double, rounded to float) of
 * the rows of the models that have it, else zero. Output rows without a token (gaps in the ids, and the padding to
 * {@code pad_to_multiple_of}) get the mean of the model's token rows. Models without a {@code tokenizer.json} are
 * taken to share the base's, as mergekit does. Immutable and thread-safe.
 */
public final class VocabularyAlignment {

    /** One input model's vocabulary facts. */
    public record ModelVocabulary(String model, Optional<TokenizerVocabulary> tokenizer, int vocabSize) {
    }

    private final TokenizerSettings settings;
    private final String baseModel;
    private final TokenizerVocabulary template;
    private final boolean templateStripped;
    private final Map<String, Integer> outputIds;
    private final Map<String, ObjectNode> appended;
    private final String[] tokenAt;
    private final int tokenSlots;
    private final int rows;
    private final Map<String, int[]> permutations;
    private final Map<String, Map<String, Integer>> originalIds;

    private VocabularyAlignment(TokenizerSettings settings, String baseModel, TokenizerVocabulary template,
                                boolean templateStripped, Map<String, Integer> outputIds,
                                Map<String, ObjectNode> appended, Map<String, int[]> permutations,
                                Map<String, Map<String, Integer>> originalIds) {
        this.settings = settings;
        this.baseModel = baseModel;
        this.template = template;
        this.templateStripped = templateStripped;
        this.outputIds = outputIds;
        this.appended = appended;
        this.permutations = permutations;
        this.originalIds = originalIds;
        this.tokenSlots = outputIds.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1;
        this.tokenAt = new String[tokenSlots];
        outputIds.forEach((token, id) -> tokenAt[id] = token);
        int multiple = settings.padToMultipleOf().orElse(1);
        this.rows = (tokenSlots + multiple - 1) / multiple * multiple;
    }

    /**
     * Builds the alignment.
     *
     * @param settings  the recipe's vocabulary settings
     * @param baseModel the base model's reference (the first model's without a base); must be in {@code models}
     *                  with a tokenizer
     * @param models    every input model in recipe order, base included
     * @param source    the tokenizer named by {@code source: MODEL}, if that is the source
     */
    public static VocabularyAlignment build(TokenizerSettings settings, String baseModel, List<ModelVocabulary> models,
                                            Optional<TokenizerVocabulary> source) {
        Map<String, ModelVocabulary> byName = new LinkedHashMap<>();
        models.forEach(m -> byName.putIfAbsent(m.model(), m));
        ModelVocabulary base = byName.get(baseModel);
        if (base == null || base.tokenizer().isEmpty()) {
            throw EvomergeException.input("model '" + baseModel + "': vocabulary alignment needs its tokenizer.json",
                    null);
        }
        TokenizerVocabulary baseVocabulary = base.tokenizer().get().strippedTo(sizeOf(base));
        Map<String, Map<String, Integer>> originalIds = new LinkedHashMap<>();
        for (ModelVocabulary m : byName.values()) {
            originalIds.put(m.model(), m.model().equals(baseModel) ? baseVocabulary.ids()
                    : m.tokenizer().map(TokenizerVocabulary::ids).orElse(baseVocabulary.ids()));
        }

        TokenizerVocabulary template = switch (settings.source()) {
            case BASE, UNION -> baseVocabulary;
            case MODEL -> source.orElseThrow(() -> new IllegalArgumentException("source tokenizer missing"));
        };
        Map<String, Integer> out = new LinkedHashMap<>(template.ids());
        Map<String, ObjectNode> appended = new LinkedHashMap<>();
        int[] next = {out.values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1};

        if (settings.source() == TokenizerSettings.Source.UNION) {
            Set<String> plain = new LinkedHashSet<>();
            Map<String, ObjectNode> added = new LinkedHashMap<>();
            List<ModelVocabulary> order = new ArrayList<>();
            order.add(base);
            byName.values().stream().filter(m -> !m.model().equals(baseModel) && m.tokenizer().isPresent())
                    .forEach(order::add);
            for (ModelVocabulary m : order) {
                TokenizerVocabulary vocabulary = m.model().equals(baseModel) ? baseVocabulary : m.tokenizer().get();
                int size = sizeOf(m);
                vocabulary.ids().forEach((token, id) -> {
                    if (id < size && !vocabulary.addedTokens().containsKey(token)) {
                        plain.add(token);
                    }
                });
                vocabulary.addedTokens().forEach((token, entry) -> {
                    if (entry.get("id").asInt() < size) {
                        added.putIfAbsent(token, entry);
                    }
                });
            }
            for (String token : plain) {
                if (!added.containsKey(token) && !out.containsKey(token)) {
                    append(out, appended, next, token, plainEntry(token));
                }
            }
            added.forEach((token, entry) -> {
                if (!out.containsKey(token)) {
                    append(out, appended, next, token, entry.deepCopy());
                }
            });
        }
        for (String token : settings.tokens().keySet()) {
            if (!out.containsKey(token)) {
                append(out, appended, next, token, plainEntry(token));
            }
        }

        Map<String, int[]> permutations = new LinkedHashMap<>();
        int slots = next[0];
        for (ModelVocabulary m : byName.values()) {
            Map<String, Integer> own = originalIds.get(m.model());
            int size = m.model().equals(baseModel) ? Integer.MAX_VALUE : sizeOf(m);
            int[] p = new int[slots];
            Arrays.fill(p, -1);
            out.forEach((token, id) -> {
                Integer row = own.get(token);
                if (row != null && row < size) {
                    p[id] = row;
                }
            });
            permutations.put(m.model(), p);
        }
        return new VocabularyAlignment(settings, baseModel, template,
                template == baseVocabulary && baseVocabulary != base.tokenizer().get(), out, appended, permutations,
                originalIds);
    }

    /** A model's vocab_size from its config, or its tokenizer's size when the config has none. */
    private static int sizeOf(ModelVocabulary m) {
        if (m.vocabSize() > 0) {
            return m.vocabSize();
        }
        return m.tokenizer().map(t -> t.ids().values().stream().mapToInt(Integer::intValue).max().orElse(-1) + 1)
                .orElse(Integer.MAX_VALUE);
    }

    private static void append(Map<String, Integer> out, Map<String, ObjectNode> appended, int[] next, String token,
                               ObjectNode entry) {
        entry.put("id", next[0]);
        out.put(token, next[0]);
        appended.put(token, entry);
        next[0]++;
    }

    /** An added token as Hugging Face's {@code add_tokens("text")} records it. */
    private static ObjectNode plainEntry(String token) {
        ObjectNode entry = TokenizerVocabulary.JSON.createObjectNode();
        entry.put("id", 0);
        entry.put("content", token);
        entry.put("single_word", false);
        entry.put("lstrip", false);
        entry.put("rstrip", false);
        entry.put("normalized", true);
        entry.put("special", false);
        return entry;
    }

    /** The number of rows every aligned embedding and head has (the output's {@code vocab_size}). */
    public int rows() {
        return rows;
    }

    /** Output token text to id. */
    public Map<String, Integer> outputIds() {
        return java.util.Collections.unmodifiableMap(outputIds);
    }

    /** Output id to the row of {@code model}, or −1 where the model lacks the token. */
    public int rowOf(String model, int outputId) {
        int[] p = permutations.get(model);
        if (p == null) {
            throw new IllegalArgumentException("model '" + model + "' is not part of the alignment");
        }
        return p[outputId];
    }

    /** The tokenizer the output's files derive from. */
    TokenizerVocabulary template() {
        return template;
    }

    /** Whether the base tokenizer lost tokens beyond its vocab_size (its files must be rewritten). */
    boolean templateStripped() {
        return templateStripped;
    }

    /** Tokens added to the template, with their {@code added_tokens} entries (ids set), in id order. */
    Map<String, ObjectNode> appended() {
        return java.util.Collections.unmodifiableMap(appended);
    }

    /** Whether the output vocabulary differs from the template tokenizer's files. */
    public boolean changesTokenizer() {
        return templateStripped || !appended.isEmpty();
    }

    /**
     * Rebuilds one embedding or head tensor of every input in the output vocabulary's order.
     *
     * @param tensorName the tensor, for messages
     * @param models     the inputs' model references (the base among them when it is an input)
     * @param matrices   each input's row-major {@code [rows_m, hidden]} values
     * @param hidden     the common column count
     * @return each input's {@code [rows(), hidden]} values, in the order given
     */
    public List<float[]> align(String tensorName, List<String> models, List<float[]> matrices, int hidden) {
        int count = models.size();
        int[][] p = new int[count][];
        int[] ownRows = new int[count];
        for (int m = 0; m < count; m++) {
            p[m] = permutations.get(models.get(m));
            if (p[m] == null) {
                throw new IllegalArgumentException("model '" + models.get(m) + "' is not part of the alignment");
            }
            if (matrices.get(m).length % hidden != 0) {
                throw EvomergeException.input(tensorName + ": model '" + models.get(m) + "' has "
                        + matrices.get(m).length + " values, not rows of " + hidden, null);
            }
            ownRows[m] = matrices.get(m).length / hidden;
        }
        int baseIndex = models.indexOf(baseModel);
        List<float[]> out = new ArrayList<>();
        for (int m = 0; m < count; m++) {
            out.add(new float[Math.multiplyExact(rows, hidden)]);
        }
        boolean[] hasRow = new boolean[tokenSlots];
        double[] mean = new double[hidden];
        float[] fallback = new float[hidden];
        for (int j = 0; j < tokenSlots; j++) {
            String token = tokenAt[j];
            if (token == null) {
                continue;
            }
            hasRow[j] = true;
            TokenizerSettings.TokenSetting setting = settings.tokens().get(token);
            boolean force = setting != null && setting.force();
            int present = 0;
            int donor = -1;
            for (int m = 0; m < count; m++) {
                if (own(p[m], j, ownRows[m]) >= 0) {
                    present++;
                    donor = m;
                }
            }
            // The default row: only computed when some model needs it.
            boolean needed = force || present < count;
            float[] defaultRow = null;
            if (needed) {
                if (setting != null && setting.source().isPresent()) {
                    defaultRow = configuredRow(tensorName, token, j, setting.source().get(), models, matrices, p,
                            ownRows, hidden);
                } else if (present == 0) {
                    defaultRow = new float[hidden];
                } else if (present == 1) {
                    defaultRow = row(matrices.get(donor), own(p[donor], j, ownRows[donor]), hidden);
                } else if (baseIndex >= 0 && own(p[baseIndex], j, ownRows[baseIndex]) >= 0) {
                    defaultRow = row(matrices.get(baseIndex), own(p[baseIndex], j, ownRows[baseIndex]), hidden);
                } else {
                    Arrays.fill(mean, 0);
                    for (int m = 0; m < count; m++) {
                        int r = own(p[m], j, ownRows[m]);
                        if (r >= 0) {
                            float[] values = matrices.get(m);
                            for (int c = 0; c < hidden; c++) {
                                mean[c] += values[r * hidden + c];
                            }
                        }
                    }
                    defaultRow = new float[hidden];
                    for (int c = 0; c < hidden; c++) {
                        defaultRow[c] = (float) (mean[c] / present);
                    }
                }
            }
            for (int m = 0; m < count; m++) {
                int r = own(p[m], j, ownRows[m]);
                if (r >= 0 && !force) {
                    System.arraycopy(matrices.get(m), r * hidden, out.get(m), j * hidden, hidden);
                } else {
                    System.arraycopy(defaultRow, 0, out.get(m), j * hidden, hidden);
                }
            }
        }
        if (rows > outputIds.size()) {
            for (int m = 0; m < count; m++) {
                fillFreeRows(out.get(m), hasRow, hidden, mean, fallback);
            }
        }
        return out;
    }

    /** The model's row for output id j, or −1 when it lacks the token or its matrix is too short. */
    private static int own(int[] p, int j, int ownRows) {
        int r = p[j];
        return r < ownRows ? r : -1;
    }

    private float[] configuredRow(String tensorName, String token, int j, TokenizerSettings.TokenSource source,
                                  List<String> models, List<float[]> matrices, int[][] p, int[] ownRows, int hidden) {
        return switch (source) {
            case TokenizerSettings.Zero zero -> new float[hidden];
            case TokenizerSettings.FromModel from -> {
                int m = inputIndex(tensorName, token, from.model(), models);
                int r = own(p[m], j, ownRows[m]);
                if (r < 0) {
                    throw EvomergeException.configuration("tokenizer.tokens." + token + ": model '" + from.model()
                            + "' does not have token '" + token + "'");
                }
                yield row(matrices.get(m), r, hidden);
            }
            case TokenizerSettings.ModelToken given -> {
                int m = inputIndex(tensorName, token, given.model(), models);
                int r;
                if (given.tokenId().isPresent()) {
                    r = given.tokenId().getAsInt();
                } else {
                    Integer id = originalIds.get(given.model()).get(given.token().orElseThrow());
                    if (id == null) {
                        throw EvomergeException.configuration("tokenizer.tokens." + token + ": token '"
                                + given.token().get() + "' is not in the vocabulary of '" + given.model() + "'");
                    }
                    r = id;
                }
                if (r >= ownRows[m]) {
                    throw EvomergeException.configuration("tokenizer.tokens." + token + ": row " + r + " is beyond '"
                            + given.model() + "' tensor " + tensorName + " (" + ownRows[m] + " rows)");
                }
                yield row(matrices.get(m), r, hidden);
            }
        };
    }

    private static int inputIndex(String tensorName, String token, String model, List<String> models) {
        int m = models.indexOf(model);
        if (m < 0) {
            throw EvomergeException.configuration("tokenizer.tokens." + token + ": model '" + model
                    + "' is not an input of tensor " + tensorName + " (inputs: " + String.join(", ", models) + ")");
        }
        return m;
    }

    private static float[] row(float[] values, int r, int hidden) {
        return Arrays.copyOfRange(values, r * hidden, r * hidden + hidden);
    }

    /** Rows without a token get the mean of the token rows (mergekit's padding rule). */
    private void fillFreeRows(float[] values, boolean[] hasRow, int hidden, double[] mean, float[] fill) {
        Arrays.fill(mean, 0);
        int tokens = 0;
        for (int j = 0; j < tokenSlots; j++) {
            if (hasRow[j]) {
                tokens++;
                for (int c = 0; c < hidden; c++) {
                    mean[c] += values[j * hidden + c];
                }
            }
        }
        for (int c = 0; c < hidden; c++) {
            fill[c] = tokens == 0 ? 0f : (float) (mean[c] / tokens);
        }
        for (int j = 0; j < rows; j++) {
            if (j >= tokenSlots || !hasRow[j]) {
                System.arraycopy(fill, 0, values, j * hidden, hidden);
            }
        }
    }
}
