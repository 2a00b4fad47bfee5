package org.evomerge.api.inference;

import java.util.Objects;

import org.evomerge.api.Experimental;

/**
 * One turn of a conversation, as chat templates receive it in {@code messages}.
 *
 * @param role {@code system}, {@code user} or {@code assistant} (templates may know others)
 * @param content the turn's text
 */
@Experimental(since = "0.1.0", reason = "chat prompts of lm-evaluation-harness tasks (apply_chat_template)")
public record ChatMessage(String role, String content) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }
}
