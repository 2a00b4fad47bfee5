# Writes three small tokenizer.json fixtures (byte-level BPE, Metaspace BPE with byte fallback, WordPiece),
# with merges learnt by a tiny BPE trainer over CORPUS.
import json, collections, re, sys, os
OUT = sys.argv[1]
CORPUS = """the quick brown fox jumps over the lazy dog. the dog sleeps in the sun; the fox runs.
there is nothing there, then the other one went in. 12 apples and 345 pears were eaten in 2024!
a merge of two models is a model, and the merged model is better than either of them when the weights agree.
evolution selects the fittest: selection, mutation and crossover over many generations of models."""

def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~")+1)) + list(range(ord("¡"), ord("¬")+1)) + list(range(ord("®"), ord("ÿ")+1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256+n); n += 1
    return dict(zip(bs, [chr(c) for c in cs]))

def learn(words, merges_wanted):
    # words: Counter of tuples of symbols
    merges = []
    words = dict(words)
    for _ in range(merges_wanted):
        pairs = collections.Counter()
        for w, c in words.items():
            for a, b in zip(w, w[1:]):
                pairs[(a, b)] += c
        if not pairs:
            break
        best = max(sorted(pairs), key=lambda p: pairs[p])
        if pairs[best] < 2:
            break
        merges.append(best)
        nw = {}
        for w, c in words.items():
            out = []; i = 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i+1]) == best:
                    out.append(w[i] + w[i+1]); i += 2
                else:
                    out.append(w[i]); i += 1
            nw[tuple(out)] = nw.get(tuple(out), 0) + c
        words = nw
    return merges

# 1. byte-level BPE (GPT-2 style)
b2u = bytes_to_unicode()
pat = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|\s+")
words = collections.Counter(tuple(b2u[b] for b in m.encode()) for m in pat.findall(CORPUS))
merges = learn(words, 80)
vocab = {}
for b in range(256):
    vocab[b2u[b]] = len(vocab)
for a, b in merges:
    if a + b not in vocab:
        vocab[a + b] = len(vocab)
eot = len(vocab)
bytelevel = {
  "version": "1.0", "truncation": None, "padding": None,
  "added_tokens": [{"id": eot, "content": "<|endoftext|>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}],
  "normalizer": None,
  "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
  "post_processor": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": False, "use_regex": True},
  "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
  "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": "", "end_of_word_suffix": "",
            "fuse_unk": False, "byte_fallback": False, "ignore_merges": False, "vocab": vocab, "merges": [a + " " + b for a, b in merges]}}
os.makedirs(OUT + "/byte-level-bpe", exist_ok=True)
json.dump(bytelevel, open(OUT + "/byte-level-bpe/tokenizer.json", "w"), ensure_ascii=False, indent=1)
json.dump({"bos_token": "<|endoftext|>", "eos_token": "<|endoftext|>", "unk_token": "<|endoftext|>",
           "add_bos_token": False, "model_max_length": 1024, "tokenizer_class": "GPT2Tokenizer",
           "chat_template": "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"},
          open(OUT + "/byte-level-bpe/tokenizer_config.json", "w"), indent=1)

# 2. SentencePiece-style BPE with byte fallback (Llama 2 style)
vocab = {"<unk>": 0, "<s>": 1, "</s>": 2}
for b in range(256):
    vocab["<0x%02X>" % b] = len(vocab)
text = "▁" + CORPUS.replace(" ", "▁").replace("\n", "▁")
chars = sorted(set(text) - set("\n"))
for c in chars:
    vocab.setdefault(c, len(vocab))
words = collections.Counter(tuple(m) for m in re.findall(r"▁[^▁]*", text))
merges = learn(words, 100)
for a, b in merges:
    vocab.setdefault(a + b, len(vocab))
sp = {
  "version": "1.0", "truncation": None, "padding": None,
  "added_tokens": [
    {"id": 0, "content": "<unk>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True},
    {"id": 1, "content": "<s>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True},
    {"id": 2, "content": "</s>", "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}],
  "normalizer": {"type": "Sequence", "normalizers": [{"type": "Prepend", "prepend": "▁"}, {"type": "Replace", "pattern": {"String": " "}, "content": "▁"}]},
  "pre_tokenizer": None,
  "post_processor": {"type": "TemplateProcessing",
     "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
     "pair": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "<s>", "type_id": 1}}, {"Sequence": {"id": "B", "type_id": 1}}],
     "special_tokens": {"<s>": {"id": "<s>", "ids": [1], "tokens": ["<s>"]}}},
  "decoder": {"type": "Sequence", "decoders": [{"type": "Replace", "pattern": {"String": "▁"}, "content": " "}, {"type": "ByteFallback"}, {"type": "Fuse"}, {"type": "Strip", "content": " ", "start": 1, "stop": 0}]},
  "model": {"type": "BPE", "dropout": None, "unk_token": "<unk>", "continuing_subword_prefix": None, "end_of_word_suffix": None,
            "fuse_unk": True, "byte_fallback": True, "ignore_merges": False, "vocab": vocab, "merges": [a + " " + b for a, b in merges]}}
os.makedirs(OUT + "/sentencepiece-bpe", exist_ok=True)
json.dump(sp, open(OUT + "/sentencepiece-bpe/tokenizer.json", "w"), ensure_ascii=False, indent=1)
json.dump({"bos_token": {"content": "<s>", "lstrip": False, "normalized": False, "rstrip": False, "single_word": False, "__type": "AddedToken"},
           "eos_token": {"content": "</s>", "lstrip": False, "normalized": False, "rstrip": False, "single_word": False, "__type": "AddedToken"},
           "unk_token": "<unk>", "add_bos_token": True, "add_eos_token": False, "model_max_length": 4096, "tokenizer_class": "LlamaTokenizer",
           "chat_template": "{% for message in messages %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' ' + message['content'] + eos_token }}{% endif %}{% endfor %}"},
          open(OUT + "/sentencepiece-bpe/tokenizer_config.json", "w"), indent=1)

# 3. WordPiece (BERT uncased style)
vocab = {"[PAD]": 0, "[UNK]": 1, "[CLS]": 2, "[SEP]": 3, "[MASK]": 4}
lower = CORPUS.lower()
for c in sorted(set(re.sub(r"\s", "", lower))):
    vocab.setdefault(c, len(vocab))
    vocab.setdefault("##" + c, len(vocab))
wc = collections.Counter(re.findall(r"[a-z]+", lower))
for w, c in wc.most_common(40):
    vocab.setdefault(w, len(vocab))
for suffix in ["##s", "##ed", "##ing", "##er", "##ion", "##el", "##ge", "##ly", "##es"]:
    vocab.setdefault(suffix, len(vocab))
for prefix in ["sel", "mer", "mod", "gen", "evol", "ev", "mu", "cross"]:
    vocab.setdefault(prefix, len(vocab))
wp = {
  "version": "1.0", "truncation": None, "padding": None,
  "added_tokens": [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False, "special": True}
                   for t, i in list(vocab.items())[:5]],
  "normalizer": {"type": "BertNormalizer", "clean_text": True, "handle_chinese_chars": True, "strip_accents": None, "lowercase": True},
  "pre_tokenizer": {"type": "BertPreTokenizer"},
  "post_processor": {"type": "TemplateProcessing",
     "single": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}],
     "pair": [{"SpecialToken": {"id": "[CLS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}, {"SpecialToken": {"id": "[SEP]", "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "[SEP]", "type_id": 1}}],
     "special_tokens": {"[CLS]": {"id": "[CLS]", "ids": [2], "tokens": ["[CLS]"]}, "[SEP]": {"id": "[SEP]", "ids": [3], "tokens": ["[SEP]"]}}},
  "decoder": {"type": "WordPiece", "prefix": "##", "cleanup": True},
  "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##", "max_input_chars_per_word": 100, "vocab": vocab}}
os.makedirs(OUT + "/wordpiece", exist_ok=True)
json.dump(wp, open(OUT + "/wordpiece/tokenizer.json", "w"), ensure_ascii=False, indent=1)
json.dump({"cls_token": "[CLS]", "sep_token": "[SEP]", "pad_token": "[PAD]", "unk_token": "[UNK]", "mask_token": "[MASK]",
           "do_lower_case": True, "model_max_length": 512, "tokenizer_class": "BertTokenizer"},
          open(OUT + "/wordpiece/tokenizer_config.json", "w"), indent=1)
