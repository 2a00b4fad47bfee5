package org.evomerge.tokenizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.evomerge.api.inference.ChatMessage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Chat templates rendered from their Jinja source against transformers' rendering: every expected text below is what
 * jinja2 3.1.6 gave in transformers' environment ({@code ImmutableSandboxedEnvironment(trim_blocks=True,
 * lstrip_blocks=True)}, its {@code tojson} and {@code raise_exception}) for templates written as the Llama 2, Llama 3,
 * Qwen 2.5, Gemma and Zephyr ones are (role checks, {@code <<SYS>>} blocks, {@code trim}, {@code strip()},
 * whitespace control, block trimming), with {@code continue_final_message} cut as transformers cuts it.
 */
class ChatTemplateTest {

    static final HuggingFaceTokenizers TOKENIZERS = new HuggingFaceTokenizers();
    static final Map<String, String> SPECIAL_TOKENS = Map.of("bos_token", "<s>", "eos_token", "</s>",
            "unk_token", "<unk>");
    static final Map<String, List<ChatMessage>> CONVERSATIONS = Map.of(
            "sys_user", List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", " What is 2+2? ")),
            "fewshot", List.of(new ChatMessage("user", "Q: 1+1?"), new ChatMessage("assistant", "A: 2"),
                    new ChatMessage("user", "Q: 2+2?")),
            "prefix", List.of(new ChatMessage("user", "Q: 2+2?"), new ChatMessage("assistant", "The answer is")));

    @AfterAll
    static void closeTokenizers() {
        TOKENIZERS.close();
    }

    static final Map<String, String> TEMPLATES = Map.of(
            "llama2", "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_mess"
                    + "age = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message"
                    + " = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (lo"
                    + "op.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/"
                    + "assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content"
                    + " = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set c"
                    + "ontent = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST"
                    + "] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content."
                    + "strip() + ' ' + eos_token }}{% endif %}{% endfor %}",
            "llama3", "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_he"
                    + "ader_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|"
                    + ">' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% "
                    + "endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' "
                    + "}}{% endif %}",
            "qwen25", "{%- if tools %}\n    {{- '<|im_start|>system\\n' }}\n    {%- if messages[0]['role'] == 'system' "
                    + "%}\n        {{- messages[0]['content'] }}\n    {%- else %}\n        {{- 'You are a helpful assis"
                    + "tant.' }}\n    {%- endif %}\n    {{- \"\\n\\n# Tools\\n\\n<tools>\" }}\n    {%- for tool in tool"
                    + "s %}\n        {{- \"\\n\" }}\n        {{- tool | tojson }}\n    {%- endfor %}\n    {{- \"\\n</to"
                    + "ols><|im_end|>\\n\" }}\n{%- else %}\n    {%- if messages[0]['role'] == 'system' %}\n        {{- "
                    + "'<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n    {%- else %}\n        "
                    + "{{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}\n    {%- endif %}\n{%- e"
                    + "ndif %}\n{%- for message in messages %}\n    {%- if (message.role == \"user\") or (message.role "
                    + "== \"system\" and not loop.first) or (message.role == \"assistant\" and not message.tool_calls) "
                    + "%}\n        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }"
                    + "}\n    {%- endif %}\n{%- endfor %}\n{%- if add_generation_prompt %}\n    {{- '<|im_start|>assist"
                    + "ant\\n' }}\n{%- endif %}\n",
            "gemma", "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not suppo"
                    + "rted') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.inde"
                    + "x0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assista"
                    + "nt/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %"
                    + "}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\n' + message['conten"
                    + "t'] | trim + '<end_of_turn>\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>mod"
                    + "el\n'}}{% endif %}",
            "zephyr_blocks", "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\\n' + message['c"
                    + "ontent'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\\n' + message['c"
                    + "ontent'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\\n'  + mes"
                    + "sage['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<"
                    + "|assistant|>' }}\n{% endif %}\n{% endfor %}");

    static Stream<Arguments> transformersRenderings() {
        return Stream.of(
                Arguments.of("llama2", "sys_user", true, false,
                        "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n What is 2+2? [/INST]"),
                Arguments.of("llama2", "sys_user", false, false,
                        "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n What is 2+2? [/INST]"),
                Arguments.of("llama2", "sys_user", false, true,
                        "<s>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\n What is 2+2?"),
                Arguments.of("llama2", "fewshot", true, false,
                        "<s>[INST] Q: 1+1? [/INST] A: 2 </s><s>[INST] Q: 2+2? [/INST]"),
                Arguments.of("llama2", "fewshot", false, false,
                        "<s>[INST] Q: 1+1? [/INST] A: 2 </s><s>[INST] Q: 2+2? [/INST]"),
                Arguments.of("llama2", "fewshot", false, true,
                        "<s>[INST] Q: 1+1? [/INST] A: 2 </s><s>[INST] Q: 2+2?"),
                Arguments.of("llama2", "prefix", true, false,
                        "<s>[INST] Q: 2+2? [/INST] The answer is </s>"),
                Arguments.of("llama2", "prefix", false, false,
                        "<s>[INST] Q: 2+2? [/INST] The answer is </s>"),
                Arguments.of("llama2", "prefix", false, true,
                        "<s>[INST] Q: 2+2? [/INST] The answer is"),
                Arguments.of("llama3", "sys_user", true, false,
                        "<s><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end"
                        + "_header_id|>\n\nWhat is 2+2?<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"),
                Arguments.of("llama3", "sys_user", false, false,
                        "<s><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end"
                        + "_header_id|>\n\nWhat is 2+2?<|eot_id|>"),
                Arguments.of("llama3", "sys_user", false, true,
                        "<s><|start_header_id|>system<|end_header_id|>\n\nBe brief.<|eot_id|><|start_header_id|>user<|end"
                        + "_header_id|>\n\nWhat is 2+2?"),
                Arguments.of("llama3", "fewshot", true, false,
                        "<s><|start_header_id|>user<|end_header_id|>\n\nQ: 1+1?<|eot_id|><|start_header_id|>assistant<|en"
                        + "d_header_id|>\n\nA: 2<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nQ: 2+2?<|eot_id|><|st"
                        + "art_header_id|>assistant<|end_header_id|>\n\n"),
                Arguments.of("llama3", "fewshot", false, false,
                        "<s><|start_header_id|>user<|end_header_id|>\n\nQ: 1+1?<|eot_id|><|start_header_id|>assistant<|en"
                        + "d_header_id|>\n\nA: 2<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nQ: 2+2?<|eot_id|>"),
                Arguments.of("llama3", "fewshot", false, true,
                        "<s><|start_header_id|>user<|end_header_id|>\n\nQ: 1+1?<|eot_id|><|start_header_id|>assistant<|en"
                        + "d_header_id|>\n\nA: 2<|eot_id|><|start_header_id|>user<|end_header_id|>\n\nQ: 2+2?"),
                Arguments.of("llama3", "prefix", true, false,
                        "<s><|start_header_id|>user<|end_header_id|>\n\nQ: 2+2?<|eot_id|><|start_header_id|>assistant<|en"
                        + "d_header_id|>\n\nThe answer is<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n"),
                Arguments.of("llama3", "prefix", false, false,
                        "<s><|start_header_id|>user<|end_header_id|>\n\nQ: 2+2?<|eot_id|><|start_header_id|>assistant<|en"
                        + "d_header_id|>\n\nThe answer is<|eot_id|>"),
                Arguments.of("llama3", "prefix", false, true,
                        "<s><|start_header_id|>user<|end_header_id|>\n\nQ: 2+2?<|eot_id|><|start_header_id|>assistant<|en"
                        + "d_header_id|>\n\nThe answer is"),
                Arguments.of("qwen25", "sys_user", true, false,
                        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n What is 2+2? <|im_end|>\n<|im_start|"
                        + ">assistant\n"),
                Arguments.of("qwen25", "sys_user", false, false,
                        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n What is 2+2? <|im_end|>\n"),
                Arguments.of("qwen25", "sys_user", false, true,
                        "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\n What is 2+2?"),
                Arguments.of("qwen25", "fewshot", true, false,
                        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nQ: 1+1?<|im_end|>"
                        + "\n<|im_start|>assistant\nA: 2<|im_end|>\n<|im_start|>user\nQ: 2+2?<|im_end|>\n<|im_start|>assist"
                        + "ant\n"),
                Arguments.of("qwen25", "fewshot", false, false,
                        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nQ: 1+1?<|im_end|>"
                        + "\n<|im_start|>assistant\nA: 2<|im_end|>\n<|im_start|>user\nQ: 2+2?<|im_end|>\n"),
                Arguments.of("qwen25", "fewshot", false, true,
                        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nQ: 1+1?<|im_end|>"
                        + "\n<|im_start|>assistant\nA: 2<|im_end|>\n<|im_start|>user\nQ: 2+2?"),
                Arguments.of("qwen25", "prefix", true, false,
                        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nQ: 2+2?<|im_end|>"
                        + "\n<|im_start|>assistant\nThe answer is<|im_end|>\n<|im_start|>assistant\n"),
                Arguments.of("qwen25", "prefix", false, false,
                        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nQ: 2+2?<|im_end|>"
                        + "\n<|im_start|>assistant\nThe answer is<|im_end|>\n"),
                Arguments.of("qwen25", "prefix", false, true,
                        "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n<|im_start|>user\nQ: 2+2?<|im_end|>"
                        + "\n<|im_start|>assistant\nThe answer is"),
                Arguments.of("gemma", "sys_user", true, false,
                        "RAISES System role not supported"),
                Arguments.of("gemma", "sys_user", false, false,
                        "RAISES System role not supported"),
                Arguments.of("gemma", "sys_user", false, true,
                        "RAISES System role not supported"),
                Arguments.of("gemma", "fewshot", true, false,
                        "<s><start_of_turn>user\nQ: 1+1?<end_of_turn>\n<start_of_turn>model\nA: 2<end_of_turn>\n<start_of"
                        + "_turn>user\nQ: 2+2?<end_of_turn>\n<start_of_turn>model\n"),
                Arguments.of("gemma", "fewshot", false, false,
                        "<s><start_of_turn>user\nQ: 1+1?<end_of_turn>\n<start_of_turn>model\nA: 2<end_of_turn>\n<start_of"
                        + "_turn>user\nQ: 2+2?<end_of_turn>\n"),
                Arguments.of("gemma", "fewshot", false, true,
                        "<s><start_of_turn>user\nQ: 1+1?<end_of_turn>\n<start_of_turn>model\nA: 2<end_of_turn>\n<start_of"
                        + "_turn>user\nQ: 2+2?"),
                Arguments.of("gemma", "prefix", true, false,
                        "<s><start_of_turn>user\nQ: 2+2?<end_of_turn>\n<start_of_turn>model\nThe answer is<end_of_turn>\n"
                        + "<start_of_turn>model\n"),
                Arguments.of("gemma", "prefix", false, false,
                        "<s><start_of_turn>user\nQ: 2+2?<end_of_turn>\n<start_of_turn>model\nThe answer is<end_of_turn>\n"),
                Arguments.of("gemma", "prefix", false, true,
                        "<s><start_of_turn>user\nQ: 2+2?<end_of_turn>\n<start_of_turn>model\nThe answer is"),
                Arguments.of("zephyr_blocks", "sys_user", true, false,
                        "<|system|>\nBe brief.</s>\n<|user|>\n What is 2+2? </s>\n<|assistant|>\n"),
                Arguments.of("zephyr_blocks", "sys_user", false, false,
                        "<|system|>\nBe brief.</s>\n<|user|>\n What is 2+2? </s>\n"),
                Arguments.of("zephyr_blocks", "sys_user", false, true,
                        "<|system|>\nBe brief.</s>\n<|user|>\n What is 2+2?"),
                Arguments.of("zephyr_blocks", "fewshot", true, false,
                        "<|user|>\nQ: 1+1?</s>\n<|assistant|>\nA: 2</s>\n<|user|>\nQ: 2+2?</s>\n<|assistant|>\n"),
                Arguments.of("zephyr_blocks", "fewshot", false, false,
                        "<|user|>\nQ: 1+1?</s>\n<|assistant|>\nA: 2</s>\n<|user|>\nQ: 2+2?</s>\n"),
                Arguments.of("zephyr_blocks", "fewshot", false, true,
                        "<|user|>\nQ: 1+1?</s>\n<|assistant|>\nA: 2</s>\n<|user|>\nQ: 2+2?"),
                Arguments.of("zephyr_blocks", "prefix", true, false,
                        "<|user|>\nQ: 2+2?</s>\n<|assistant|>\nThe answer is</s>\n<|assistant|>\n"),
                Arguments.of("zephyr_blocks", "prefix", false, false,
                        "<|user|>\nQ: 2+2?</s>\n<|assistant|>\nThe answer is</s>\n"),
                Arguments.of("zephyr_blocks", "prefix", false, true,
                        "<|user|>\nQ: 2+2?</s>\n<|assistant|>\nThe answer is"));
    }

    @ParameterizedTest(name = "{0} {1} generation prompt {2} continue {3}")
    @MethodSource("transformersRenderings")
    void rendersAsTransformers(String template, String conversation, boolean addGenerationPrompt,
            boolean continueFinalMessage, String expected) {
        ChatTemplate chat = new ChatTemplate(TEMPLATES.get(template), SPECIAL_TOKENS);
        List<ChatMessage> messages = CONVERSATIONS.get(conversation);
        if (expected.startsWith("RAISES ")) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> chat.render(messages, addGenerationPrompt, continueFinalMessage));
            assertEquals(expected.substring("RAISES ".length()), e.getMessage());
        } else {
            assertEquals(expected, chat.render(messages, addGenerationPrompt, continueFinalMessage));
        }
    }

    @Test
    void theTokenizerRendersItsOwnTemplateFromTokenizerConfig() {
        DjlTokenizer tokenizer = TOKENIZERS.load(ReferenceEncodingsTest.FIXTURES.resolve("byte-level-bpe"));
        assertEquals(Optional.of("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"),
                tokenizer.applyChatTemplate(List.of(new ChatMessage("user", "hi")), true, false));
        DjlTokenizer sentencePiece = TOKENIZERS.load(ReferenceEncodingsTest.FIXTURES.resolve("sentencepiece-bpe"));
        String text = sentencePiece.applyChatTemplate(List.of(new ChatMessage("user", "the dog"),
                new ChatMessage("assistant", "sleeps"), new ChatMessage("user", "and?")), false, false).orElseThrow();
        // The fixture's template writes no system block and reads bos_token/eos_token from the AddedToken objects.
        assertEquals("<s>[INST] the dog [/INST] sleeps</s><s>[INST] and? [/INST]", text);
        assertEquals(1, sentencePiece.encode(text, false)[0], "the rendered BOS is the special token, not its text");
        assertTrue(TOKENIZERS.load(ReferenceEncodingsTest.FIXTURES.resolve("wordpiece"))
                .applyChatTemplate(List.of(new ChatMessage("user", "hi")), true, false).isEmpty());
    }

    @Test
    void bothGenerationPromptAndContinuationIsRefusedAsTransformersRefusesIt() {
        ChatTemplate chat = new ChatTemplate(TEMPLATES.get("llama3"), SPECIAL_TOKENS);
        assertThrows(IllegalArgumentException.class, () -> chat.render(CONVERSATIONS.get("prefix"), true, true));
    }
}
