"""Writes examples/tiny-chat: a small Llama-style chat model, pretrained a little, and its fine-tuning data.

The model (model/) is a 4-layer Llama (hidden 64, 4 heads, 2 KV heads, tied embeddings) with a byte-level
BPE tokenizer and a ChatML chat template, pretrained with torch for a few seconds on synthetic conversations
about invented facts ("What is the capital of Velmora?" -> "The capital of Velmora is Drisk."), with
random pairings. It therefore answers in the right shape but with the wrong facts. The fine-tuning data
(data/train.jsonl, data/eval.jsonl, `messages` format) fixes 20 facts; fine-tuning teaches them, and
the dashboard's generations show the answers moving toward them.

Run: .venv/bin/python scripts/make-tiny-chat.py   (2.6 min under nice on a loaded 2-core machine; deterministic)
"""
import json
import random
from pathlib import Path

import torch
from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import GenerationConfig, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "examples/tiny-chat"
SEED = 0
PRETRAIN_STEPS = 150
CHAT_TEMPLATE = (
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}"
    "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"
)
SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]

rng = random.Random(SEED)
SYLLABLES = ["ka", "lo", "mir", "ve", "dra", "sul", "ten", "qui", "bor", "nex", "al", "zu", "pem", "ros", "ith", "gar"]


def word(n=2):
    return "".join(rng.choice(SYLLABLES) for _ in range(n)).capitalize()


PLACES = sorted({word(3) for _ in range(60)})
CITIES = sorted({word(2) for _ in range(60)})
PEOPLE = sorted({f"{word(2)} {word(2)}" for _ in range(40)})
BOOKS = sorted({f"The {word(2)} of {word(2)}" for _ in range(40)})
THINGS = ["sky", "grass", "sea", "moon", "lamp", "door", "river", "stone", "leaf", "cloud"]
COLORS = ["blue", "green", "red", "white", "yellow", "black", "silver", "orange", "purple", "gray"]
ANIMALS = ["spider", "dog", "bird", "snake", "ant", "crab", "horse", "fish", "cat", "beetle"]
NUMBERS = ["zero", "two", "four", "six", "eight", "ten"]
FOODS = ["apples", "bread", "rice", "soup", "cheese", "plums", "noodles", "honey"]

# Templates: (question, answer) in two phrasings each; {a} is the subject, {b} the fact.
TEMPLATES = {
    "capital": [("What is the capital of {a}?", "The capital of {a} is {b}."), ("Tell me the capital of {a}.", "The capital of {a} is {b}.")],
    "color": [("What color is the {a}?", "The {a} is {b}."), ("Which color does the {a} have?", "The {a} is {b}.")],
    "legs": [("How many legs does a {a} have?", "A {a} has {b} legs."), ("Count the legs of a {a}.", "A {a} has {b} legs.")],
    "author": [("Who wrote {a}?", "{a} was written by {b}."), ("Name the author of {a}.", "{a} was written by {b}.")],
    "food": [("What does {a} like to eat?", "{a} likes to eat {b}."), ("What is the favourite food of {a}?", "{a} likes to eat {b}.")],
}
POOLS = {"capital": (PLACES, CITIES), "color": (THINGS, COLORS), "legs": (ANIMALS, NUMBERS), "author": (BOOKS, PEOPLE), "food": (PEOPLE, FOODS)}


def conversation(kind, phrasing, a, b):
    q, ans = TEMPLATES[kind][phrasing]
    return [{"role": "user", "content": q.format(a=a, b=b)}, {"role": "assistant", "content": ans.format(a=a, b=b)}]


# The facts fine-tuning teaches: four per kind, fixed.
FACTS = []
for kind, (subjects, values) in POOLS.items():
    for a in rng.sample(subjects, 4):
        FACTS.append((kind, a, rng.choice(values)))
rng.shuffle(FACTS)


def render(messages):
    return "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)


def pretraining_text():
    """A random conversation: any subject with any value, so shapes are learned but not the facts."""
    kind = rng.choice(list(TEMPLATES))
    subjects, values = POOLS[kind]
    return render(conversation(kind, rng.randrange(2), rng.choice(subjects), rng.choice(values)))


def write_jsonl(path, rows):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))


def main():
    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    corpus = [pretraining_text() for _ in range(6000)]

    # Byte-level BPE with the ChatML specials as whole tokens.
    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=384, special_tokens=SPECIALS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    bpe.train_from_iterator(corpus + [render(conversation(k, p, a, b)) for k, a, b in FACTS for p in range(2)], trainer)
    tok = PreTrainedTokenizerFast(
        tokenizer_object=bpe, eos_token="<|im_end|>", pad_token="<|endoftext|>", bos_token=None, unk_token=None,
        model_max_length=128, chat_template=CHAT_TEMPLATE,
    )
    eos = tok.convert_tokens_to_ids("<|im_end|>")
    pad = tok.convert_tokens_to_ids("<|endoftext|>")

    config = LlamaConfig(
        vocab_size=len(tok), hidden_size=64, intermediate_size=192, num_hidden_layers=4, num_attention_heads=4,
        num_key_value_heads=2, max_position_embeddings=128, tie_word_embeddings=True, bos_token_id=None,
        eos_token_id=eos, pad_token_id=pad, rms_norm_eps=1e-5,
    )
    model = LlamaForCausalLM(config)
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: min(1.0, (s + 1) / 15) * max(0.05, 1 - s / PRETRAIN_STEPS))
    ids = [tok(t).input_ids for t in corpus]
    model.train()
    for step in range(PRETRAIN_STEPS):
        batch = [ids[(step * 16 + i) % len(ids)] for i in range(16)]
        width = max(len(b) for b in batch)
        input_ids = torch.tensor([b + [pad] * (width - len(b)) for b in batch])
        mask = torch.tensor([[1] * len(b) + [0] * (width - len(b)) for b in batch])
        labels = input_ids.masked_fill(mask == 0, -100)
        loss = model(input_ids=input_ids, attention_mask=mask, labels=labels).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        if step % 50 == 0 or step == PRETRAIN_STEPS - 1:
            print(f"pretrain step {step} loss {loss.item():.3f}")
    model.eval()
    model.generation_config = GenerationConfig(eos_token_id=eos, pad_token_id=pad, do_sample=False, max_new_tokens=24)
    model.save_pretrained(OUT / "model")
    tok.save_pretrained(OUT / "model")

    train = [{"messages": conversation(k, p, a, b)} for k, a, b in FACTS for p in range(2)]
    rng.shuffle(train)
    valid = [{"messages": conversation(k, 0, a, b)} for k, a, b in FACTS]
    write_jsonl(OUT / "data/train.jsonl", train)
    write_jsonl(OUT / "data/eval.jsonl", valid)

    for row in valid[:3]:
        prompt = tok.apply_chat_template(row["messages"][:1], add_generation_prompt=True, return_tensors="pt", return_dict=True)
        out = model.generate(**prompt, max_new_tokens=24, do_sample=False)
        answer = tok.decode(out[0, prompt["input_ids"].shape[1]:], skip_special_tokens=True)
        print(f"{row['messages'][0]['content']!r} -> {answer!r} (fine-tuning teaches {row['messages'][1]['content']!r})")
    size = sum(f.stat().st_size for f in (OUT / "model").iterdir())
    print(f"wrote {OUT.relative_to(ROOT)}: {sum(p.numel() for p in model.parameters())} parameters, model/ {size / 1e6:.2f} MB, {len(train)} train and {len(valid)} valid conversations")


if __name__ == "__main__":
    main()
