package org.evomerge.tokenizers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.evomerge.tokenizers.ChatTemplate.Family;
import org.evomerge.tokenizers.ChatTemplate.Message;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ChatTemplateTest {

    static final HuggingFaceTokenizers TOKENIZERS = new HuggingFaceTokenizers();

    @AfterAll
    static void closeTokenizers() {
        TOKENIZERS.close();
    }

    @Test
    void chatMlFromTheFixtureConfig() {
        DjlTokenizer tokenizer = TOKENIZERS.load(ReferenceEncodingsTest.FIXTURES.resolve("byte-level-bpe"));
        ChatTemplate template = tokenizer.chatTemplate().orElseThrow();
        assertEquals(Family.CHATML, template.family());
        assertEquals("<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
                template.render(List.of(new Message("user", "hi")), true));
    }

    @Test
    void instWithSystemBlockBosAndEos() {
        DjlTokenizer tokenizer = TOKENIZERS.load(ReferenceEncodingsTest.FIXTURES.resolve("sentencepiece-bpe"));
        ChatTemplate template = tokenizer.chatTemplate().orElseThrow();
        assertEquals(Family.INST, template.family());
        String text = template.render(List.of(new Message("system", "be brief"), new Message("user", "the dog"),
                new Message("assistant", "sleeps"), new Message("user", "and?")), true);
        assertEquals("<s>[INST] <<SYS>>\nbe brief\n<</SYS>>\n\nthe dog [/INST] sleeps</s><s>[INST] and? [/INST]", text);
        int[] ids = tokenizer.encode(text, false);
        assertEquals(1, ids[0], "the rendered BOS is the special token, not its characters");
    }

    @Test
    void llama3AndGemmaAndUnknownTemplates() {
        ChatTemplate llama3 = ChatTemplate.recognise("{{ '<|start_header_id|>' }}", "<|begin_of_text|>", "").orElseThrow();
        assertEquals("<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nhi<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n",
                llama3.render(List.of(new Message("user", " hi ")), true));
        ChatTemplate gemma = ChatTemplate.recognise("<start_of_turn>", "<bos>", "<eos>").orElseThrow();
        assertEquals("<bos><start_of_turn>user\nq<end_of_turn>\n<start_of_turn>model\na<end_of_turn>\n",
                gemma.render(List.of(new Message("user", "q"), new Message("assistant", "a")), false));
        assertTrue(ChatTemplate.recognise("{{ messages }}", "", "").isEmpty());
        assertTrue(TOKENIZERS.load(ReferenceEncodingsTest.FIXTURES.resolve("wordpiece")).chatTemplate().isEmpty());
    }
}
