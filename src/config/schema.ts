/**
 * THE trainer-config schema. Runtime validation, the language server, the generated JSON Schema
 * and docs/config.md all read this one definition. Nothing here imports tfjs, vscode or Node.
 *
 * Extra keywords used beside standard JSON Schema (VS Code's JSON service understands the first two):
 * - `markdownDescription`, `markdownEnumDescriptions`: docs for hover and completion.
 * - `hfDiff`: what the Hugging Face field of the same name does differently, shown on hover.
 */
import { LauncherSchema } from '../launcher/slurm/schema';
import { Type, type Static, type TSchema, type SchemaOptions } from '@sinclair/typebox';

/** Options accepted by every field helper: docs, examples and the HF difference note. */
export interface FieldDocs extends SchemaOptions {
  markdownDescription: string;
  hfDiff?: string;
  examples?: unknown[];
}

/** A string enum whose every value carries its own doc string. */
export function StringEnum<const T extends string>(values: Record<T, string>, options: FieldDocs) {
  const keys = Object.keys(values) as T[];
  return Type.Unsafe<T>({
    type: 'string',
    enum: keys,
    markdownEnumDescriptions: keys.map((k) => values[k]),
    ...options,
  });
}

const Nullable = <T extends TSchema>(schema: T, options: FieldDocs) =>
  Type.Union([schema, Type.Null()], { default: null, ...options });

export const ARCHITECTURES = {
  mlp: 'Multi-layer perceptron over numeric `feature_columns` (tabular data).',
  'text-classifier': 'Token embedding, mean/max pooling and a dense head. Fast and strong for short texts.',
  'transformer-encoder':
    'A small Transformer encoder (multi-head self-attention, layer norm, feed-forward) with a classification head.',
} as const;

/** Tokens per row of the built-in text architectures when `model.max_length` is not set. */
export const DEFAULT_MAX_LENGTH = 64;

/** How causal-LM rows are read (`data.format`). */
export const CAUSAL_DATA_FORMATS = {
  text: 'Plain language modelling: one text per row (`data.text_column`), loss on every token.',
  'prompt-completion': 'A prompt and its completion (`data.prompt_column`, `data.completion_column`); loss on the completion by default.',
  messages: 'A conversation per row (`data.messages_column`), OpenAI chat format, rendered with the chat template; loss on the assistant turns by default.',
} as const;

/** `data.packing_strategy`: TRL's packing strategies. */
export const PACKING_STRATEGIES = {
  bfd: 'Best-fit decreasing (TRL\'s default): whole rows (cut to `max_length`) are placed into blocks; positions restart at each row, whose first token is not a target.',
  wrapped: 'Concatenate every row and cut the stream every `max_length` tokens, across row boundaries.',
} as const;

export const STRATEGIES = {
  no: 'Never.',
  steps: 'Every `*_steps` optimizer steps.',
  epoch: 'At the end of every epoch.',
} as const;

export const OPTIMIZERS = {
  adamw_torch: 'AdamW with decoupled weight decay, as `torch.optim.AdamW` (HF default name).',
  adamw: 'Alias of `adamw_torch`.',
  adam: 'Adam; `weight_decay` is added to the gradient (L2), as `torch.optim.Adam`.',
  sgd: 'SGD; momentum from `optim_args: "momentum=0.9"`.',
  adagrad: 'Adagrad, as `torch.optim.Adagrad`.',
  rmsprop: 'RMSprop, as `torch.optim.RMSprop`.',
} as const;

export const SCHEDULERS = {
  linear: 'Linear decay from the peak to 0 after warmup.',
  cosine: 'Cosine decay to 0 after warmup (`num_cycles` 0.5 by default).',
  cosine_with_restarts: 'Cosine with hard restarts (`num_cycles` from `lr_scheduler_kwargs`, default 1).',
  polynomial: 'Polynomial decay to `lr_end` (default 1e-7) with `power` (default 1.0).',
  constant: 'Constant learning rate (warmup is ignored).',
  constant_with_warmup: 'Linear warmup, then constant.',
  inverse_sqrt: 'Linear warmup, then 1/sqrt(step) decay (`timescale` defaults to the warmup steps).',
  reduce_lr_on_plateau: 'Multiply by `factor` (0.1) after `patience` (10) evaluations without improvement.',
} as const;

/** `report_to` values with a meaning here. HF's other integrations (wandb, mlflow, ...) are a warning (FTS215). */
export const REPORT_TO = {
  none: 'No integration (HF default since transformers 5): metrics go to `metrics.jsonl`, the dashboard and the CLI only.',
  all: 'Every integration this trainer offers: TensorBoard.',
  tensorboard: 'TensorBoard event files in `logging_dir`, tagged as HF\'s `TensorBoardCallback` tags them (`train/loss`, `eval/accuracy`, ...).',
} as const;
export type ReportIntegration = Exclude<keyof typeof REPORT_TO, 'none' | 'all'>;

export const BACKENDS = {
  auto: 'Fastest that loads: a GPU backend, then native `tensorflow`, then `wasm`, then `cpu`.',
  tensorflow: 'Native TensorFlow through the optional `@tensorflow/tfjs-node`.',
  'tensorflow-gpu': 'Native TensorFlow with CUDA through the optional `@tensorflow/tfjs-node-gpu`.',
  webgpu: 'WebGPU through Dawn (the optional `webgpu` package); the GPU path without CUDA.',
  wasm: 'WebAssembly with SIMD (XNNPACK); ships inside the package and runs everywhere.',
  cpu: 'Plain JavaScript; slowest, but bit-for-bit deterministic. Use it for reproducibility tests.',
} as const;

/** Canonical loss names. Aliases (torch.nn class names, short forms) resolve through LOSS_ALIASES. */
export const LOSSES = {
  CrossEntropy: 'Softmax cross-entropy over class logits (`torch.nn.CrossEntropyLoss`). kwargs: `weight`, `ignore_index`, `label_smoothing`, `reduction`.',
  BCEWithLogits: 'Sigmoid + binary cross-entropy (`torch.nn.BCEWithLogitsLoss`). kwargs: `weight`, `pos_weight`, `reduction`.',
  MSE: 'Mean squared error (`torch.nn.MSELoss`). kwargs: `reduction`.',
  L1: 'Mean absolute error (`torch.nn.L1Loss`). kwargs: `reduction`.',
  SmoothL1: 'Smooth L1 (`torch.nn.SmoothL1Loss`). kwargs: `beta` (1.0), `reduction`.',
  Huber: 'Huber (`torch.nn.HuberLoss`). kwargs: `delta` (1.0), `reduction`.',
  NLL: 'Negative log-likelihood over log-probabilities (`torch.nn.NLLLoss`). kwargs: `weight`, `ignore_index`, `reduction`.',
  KLDiv: 'Kullback-Leibler divergence (`torch.nn.KLDivLoss`); input is log-probabilities. kwargs: `reduction` (`batchmean`), `log_target`.',
  Focal: 'Focal loss (Lin et al. 2017) over class logits. kwargs: `gamma` (2.0), `alpha`, `ignore_index`, `reduction`.',
} as const;
export type LossName = keyof typeof LOSSES;

/** Every accepted spelling of a loss, mapped to its canonical name. */
export const LOSS_ALIASES: Record<string, LossName> = {
  CrossEntropyLoss: 'CrossEntropy',
  BCEWithLogitsLoss: 'BCEWithLogits',
  MSELoss: 'MSE',
  L1Loss: 'L1',
  SmoothL1Loss: 'SmoothL1',
  HuberLoss: 'Huber',
  NLLLoss: 'NLL',
  KLDivLoss: 'KLDiv',
  FocalLoss: 'Focal',
  ...(Object.fromEntries(Object.keys(LOSSES).map((k) => [k, k])) as Record<LossName, LossName>),
};

export const METRICS = {
  accuracy: 'Fraction of correct class predictions.',
  f1: 'F1 score, macro-averaged over classes (binary: of the positive class).',
  f1_macro: 'F1 averaged over classes with equal weight.',
  f1_micro: 'F1 from global true/false positive counts.',
  precision: 'Precision, macro-averaged (binary: of the positive class).',
  precision_macro: 'Precision averaged over classes.',
  precision_micro: 'Precision from global counts.',
  recall: 'Recall, macro-averaged (binary: of the positive class).',
  recall_macro: 'Recall averaged over classes.',
  recall_micro: 'Recall from global counts.',
  mse: 'Mean squared error of regression predictions.',
  mae: 'Mean absolute error of regression predictions.',
  perplexity: 'exp(eval loss).',
} as const;
export type MetricName = keyof typeof METRICS;

export const ModelSchema = Type.Object(
  {
    architecture: StringEnum(ARCHITECTURES, {
      default: 'text-classifier',
      markdownDescription: 'Built-in architecture to train, or the base when `from_pretrained` is set.',
    }),
    num_labels: Type.Integer({
      minimum: 1,
      // A bound the trainer can honour: the head's weights, gradients and Adam moments grow with it,
      // and a billion classes failed deep in tfjs with "Invalid typed array length".
      maximum: 100_000,
      default: 2,
      markdownDescription: 'Number of classes (at most 100,000). `1` means regression (one output, MSE loss by default).',
      hfDiff: 'HF reads it from the model config (`AutoConfig.num_labels`).',
    }),
    from_pretrained: Type.Optional(
      Type.String({
        minLength: 1,
        markdownDescription:
          'Checkpoint to fine-tune, a folder relative to the config file: a Hugging Face model folder (`config.json` with `model_type` ' +
          '`bert`, `roberta` or `distilbert`, `model.safetensors` or its shards, `tokenizer.json`), a checkpoint of this Trainer, ' +
          'or a saved tfjs LayersModel (`model.json`). A Hugging Face folder decides the architecture; `model.architecture` is then not used.',
        hfDiff: 'HF also downloads from the Hub; here a folder is read (a Hub id resolves only through the local Hugging Face cache).',
        examples: ['models/bert-mini', 'runs/base/checkpoint-500'],
      }),
    ),
    task: Type.Optional(
      StringEnum(
        {
          'sequence-classification': 'A classification or regression head (`*ForSequenceClassification`).',
          'causal-lm': 'Language modelling (`*ForCausalLM`, `GPT2LMHeadModel`): labels are the input ids, shifted in the loss.',
        },
        {
          markdownDescription:
            'What a Hugging Face checkpoint is trained for. Default: from `config.json`\'s `architectures` (`*ForCausalLM` and `GPT2LMHeadModel` are `causal-lm`; ' +
            'a decoder without `architectures` is `causal-lm`; everything else `sequence-classification`).',
          hfDiff: 'HF picks it by the Auto class you call (`AutoModelForCausalLM`, `AutoModelForSequenceClassification`).',
        },
      ),
    ),
    max_shard_size: Type.Optional(
      Type.Union([Type.String({ pattern: '^\\s*\\d+(\\.\\d+)?\\s*([kmgtKMGT][iI]?[bB]|[bB])?\\s*$' }), Type.Integer({ minimum: 1 })], {
        markdownDescription:
          'Hugging Face decoders: the largest safetensors file a save writes (`"5GB"`, `"500MB"`, `"2GiB"` or bytes); bigger models are split into ' +
          '`model-0000K-of-0000N.safetensors` with `model.safetensors.index.json`, as `save_pretrained(max_shard_size=...)`. Default `"50GB"`, transformers\' default.',
        examples: ['5GB'],
      }),
    ),
    problem_type: Type.Optional(
      StringEnum(
        {
          single_label_classification: 'One class per row; CrossEntropy.',
          multi_label_classification: 'A list of labels per row; one sigmoid output per label, BCEWithLogits.',
          regression: 'A number per row (`num_labels: 1`); MSE.',
        },
        {
          markdownDescription:
            'Task of a Hugging Face checkpoint\'s classification head, as `config.json`\'s `problem_type`. Default: the checkpoint\'s, else regression for `num_labels: 1` and single-label otherwise.',
        },
      ),
    ),
    freeze: Type.Array(Type.String(), {
      default: [],
      markdownDescription:
        'Weight-name patterns whose weights are not trained, matched as fnmatch does: `*` any run of characters, `?` one, `[0-5]` / `[!0-5]` one of (not of) a set; a pattern naming a layer covers its weights. A Hugging Face checkpoint uses its own names: `bert.embeddings.*`, `bert.encoder.layer.[0-5].*`.',
      examples: [['embedding*'], ['bert.embeddings.*', 'bert.encoder.layer.[0-5].*']],
    }),
    hidden_sizes: Type.Array(Type.Integer({ minimum: 1 }), {
      default: [64],
      markdownDescription: '`mlp`: widths of the hidden layers.',
    }),
    embedding_dim: Type.Integer({ minimum: 1, default: 64, markdownDescription: 'Text models: embedding width.' }),
    vocab_size: Type.Integer({
      minimum: 16,
      default: 5000,
      markdownDescription: 'Text models: maximum vocabulary of the tokenizer built from the training data.',
    }),
    max_length: Type.Optional(
      Type.Integer({
        minimum: 1,
        markdownDescription:
          'Text models: tokens per example; longer rows are truncated. Built-in architectures pad every row to it (default 64). ' +
          'A Hugging Face checkpoint pads each batch to its longest row, and defaults to the smaller of the tokenizer\'s `model_max_length` and `max_position_embeddings`.',
      }),
    ),
    num_heads: Type.Integer({ minimum: 1, default: 4, markdownDescription: '`transformer-encoder`: attention heads (must divide `embedding_dim`).' }),
    num_layers: Type.Integer({ minimum: 1, default: 1, markdownDescription: '`transformer-encoder`: encoder blocks.' }),
    ff_dim: Type.Integer({ minimum: 1, default: 128, markdownDescription: '`transformer-encoder`: feed-forward width.' }),
    dropout: Type.Number({ minimum: 0, maximum: 0.99, default: 0.1, markdownDescription: 'Dropout rate used in training.' }),
    pooling: StringEnum(
      { mean: 'Average over non-padding tokens.', max: 'Maximum over tokens.' },
      { default: 'mean', markdownDescription: 'Text models: how token vectors become one vector.' },
    ),
  },
  { additionalProperties: false, markdownDescription: 'What is fine-tuned.' },
);

/** PEFT's `LoraConfig`, with PEFT's field names and defaults. */
export const PeftSchema = Type.Object(
  {
    peft_type: StringEnum({ LORA: 'LoRA: low-rank adapters beside frozen base weights (Hu et al. 2021), as PEFT\'s `LoraConfig`.' }, {
      default: 'LORA',
      markdownDescription: 'The PEFT method. Only `LORA` is available.',
    }),
    task_type: Type.Optional(
      StringEnum(
        { SEQ_CLS: 'Sequence classification: the head (`classifier` / `score`) is trained in full.', CAUSAL_LM: 'Causal language modelling.' },
        { markdownDescription: 'PEFT\'s task type, written to `adapter_config.json`. Default: the checkpoint\'s task.' },
      ),
    ),
    r: Type.Integer({ minimum: 1, maximum: 4096, default: 8, markdownDescription: 'LoRA rank: A is `[r, in]`, B is `[out, r]`.' }),
    lora_alpha: Type.Number({ exclusiveMinimum: 0, default: 8, markdownDescription: 'LoRA scaling numerator: the update is scaled by `lora_alpha / r` (`lora_alpha / sqrt(r)` with `use_rslora`).' }),
    lora_dropout: Type.Number({ minimum: 0, exclusiveMaximum: 1, default: 0, markdownDescription: 'Dropout on the adapter\'s input in training: `y = base(x) + B(A(dropout(x))) * scaling`.' }),
    target_modules: Type.Optional(
      Type.Union([Type.Array(Type.String({ minLength: 1 }), { minItems: 1 }), Type.String({ minLength: 1 })], {
        markdownDescription:
          'Linear layers that get adapters. A list matches a module whose name equals an entry or ends with `.` + entry; a string is a regular expression that must match the whole module name; ' +
          '`all-linear` is every linear layer but the output head. Default: PEFT\'s for the `model_type` (bert/roberta `query, value`; distilbert `q_lin, v_lin`; gpt2 `c_attn`; llama/qwen2/mistral `q_proj, v_proj`).',
        examples: [['query', 'value'], 'all-linear', '.*\\.(q_proj|v_proj)'],
      }),
    ),
    bias: StringEnum(
      { none: 'No bias is trained.', all: 'Every bias of the model is trained.', lora_only: 'The biases of the adapted layers are trained.' },
      { default: 'none', markdownDescription: 'Which biases are trained besides the adapters.' },
    ),
    modules_to_save: Type.Optional(
      Type.Array(Type.String({ minLength: 1 }), {
        markdownDescription:
          'Modules trained in full and saved with the adapter (a module matches when its name ends with the entry). For sequence classification `classifier` and `score` are added, as PEFT\'s `SEQ_CLS` does.',
        examples: [['classifier']],
      }),
    ),
    use_rslora: Type.Boolean({ default: false, markdownDescription: 'Rank-stabilised LoRA: scale by `lora_alpha / sqrt(r)` instead of `lora_alpha / r`.' }),
    init_lora_weights: Type.Union([Type.Boolean(), Type.Literal('gaussian')], {
      default: true,
      markdownDescription:
        '`true`: A kaiming-uniform (a=√5), B zeros, so training starts from the base model. `gaussian`: A normal(0, 1/r), B zeros. `false`: both kaiming-uniform (the adapter changes the model from the start; for tests).',
    }),
    fan_in_fan_out: Type.Optional(
      Type.Boolean({ markdownDescription: 'The target layer stores its weight `[in, out]` (GPT-2\'s Conv1D). Set from the checkpoint; written to `adapter_config.json`.' }),
    ),
  },
  {
    additionalProperties: false,
    markdownDescription: 'Parameter-efficient fine-tuning with PEFT\'s `LoraConfig` names: the base weights are frozen and get no optimizer state; the run saves `adapter_model.safetensors` and `adapter_config.json`, which `PeftModel.from_pretrained` loads.',
  },
);

export const DataSchema = Type.Object(
  {
    train_file: Type.String({
      minLength: 1,
      markdownDescription: 'Training data, JSONL or CSV, relative to the config file.',
      examples: ['data/train.jsonl'],
    }),
    eval_file: Type.Optional(Type.String({ minLength: 1, markdownDescription: 'Evaluation data, JSONL or CSV, relative to the config file.' })),
    text_column: Type.String({ default: 'text', markdownDescription: 'Column holding the input text (text models).' }),
    label_column: Type.String({ default: 'label', markdownDescription: 'Column holding the label (class id, class name or regression target).' }),
    feature_columns: Type.Optional(
      Type.Array(Type.String(), { markdownDescription: '`mlp`: numeric columns used as features. Default: every numeric column but the label.' }),
    ),
    tokenizer: Type.Optional(
      Type.String({
        minLength: 1,
        markdownDescription: 'Folder with a Hugging Face `tokenizer.json` to use instead of building a word tokenizer from the training data.',
      }),
    ),
    text_pair_column: Type.Optional(
      Type.String({
        markdownDescription:
          'Column holding the second text of a sentence pair (e.g. the hypothesis of an NLI pair); a Hugging Face tokenizer joins the pair with its special tokens and token-type ids.',
        examples: ['hypothesis'],
      }),
    ),
    lowercase: Type.Boolean({ default: true, markdownDescription: 'Lower-case text before the built-in tokenizer splits it.' }),
    format: Type.Optional(
      StringEnum(CAUSAL_DATA_FORMATS, {
        markdownDescription:
          'Causal language models: how rows are read. Default: from the columns (`messages` → `messages`, `prompt` + `completion` → `prompt-completion`, else `text`). Alpaca (`instruction`/`input`/`output`) and ShareGPT (`conversations` of `from`/`value`) files are recognised and the error says which mapping to write.',
      }),
    ),
    prompt_column: Type.String({ default: 'prompt', markdownDescription: '`prompt-completion` data: column holding the prompt.' }),
    completion_column: Type.String({ default: 'completion', markdownDescription: '`prompt-completion` data: column holding the completion.' }),
    messages_column: Type.String({
      default: 'messages',
      markdownDescription: '`messages` data: column holding the conversation, a list of `{role, content}` (roles `system`, `user`, `assistant`, `tool`).',
    }),
    append_eos: Type.Optional(
      Type.Boolean({
        markdownDescription:
          'Causal language models: append the tokenizer\'s EOS token to each text (`text`) or completion (`prompt-completion`) unless it already ends with it, as TRL\'s SFTTrainer does. Default: false for `text` (rows are tokenized exactly as `tokenizer(text)`), true for `prompt-completion`.',
        hfDiff: 'TRL\'s SFTTrainer always appends EOS to texts and completions.',
      }),
    ),
    truncation: Type.Boolean({
      default: true,
      markdownDescription:
        'Causal language models: cut rows longer than `model.max_length` tokens, keeping the start (the run reports how many). `false` makes such a row an error at its line.',
    }),
    packing: Type.Boolean({
      default: false,
      markdownDescription: 'Causal language models: pack rows into blocks of `model.max_length` tokens, as TRL\'s SFTTrainer does (`packing_strategy`). Without packing each row is one sequence.',
    }),
    packing_strategy: StringEnum(PACKING_STRATEGIES, {
      default: 'bfd',
      markdownDescription: 'How `packing` fills blocks, with TRL\'s names and default.',
    }),
    completion_only_loss: Type.Boolean({
      default: true,
      markdownDescription: '`prompt-completion` data: the loss covers the completion tokens only (TRL\'s `completion_only_loss`). `false` trains on the prompt too.',
    }),
    assistant_only_loss: Type.Boolean({
      default: true,
      markdownDescription:
        '`messages` data: the loss covers the assistant turns only, found from the chat template (its `{% generation %}` markers, else by rendering the conversation turn by turn). `false` trains on the whole rendered conversation.',
      hfDiff: 'TRL\'s default is false.',
    }),
    chat_template: Type.Optional(
      Type.String({
        minLength: 1,
        markdownDescription:
          '`messages` data: the Jinja chat template to render conversations with, instead of the tokenizer\'s (`chat_template.jinja` or `chat_template` in `tokenizer_config.json`). A path ending in `.jinja` (relative to the config file) or the template text.',
        examples: ['templates/chatml.jinja'],
      }),
    ),
  },
  { additionalProperties: false, markdownDescription: 'Where the examples come from and which columns to read.' },
);

export const LossKwargsSchema = Type.Object(
  {
    weight: Type.Optional(Type.Array(Type.Number(), { markdownDescription: 'Per-class weights (CrossEntropy, NLL, BCEWithLogits).' })),
    pos_weight: Type.Optional(Type.Array(Type.Number(), { markdownDescription: 'BCEWithLogits: weight of positive examples per output.' })),
    ignore_index: Type.Optional(Type.Integer({ markdownDescription: 'Label value that contributes nothing (default -100).' })),
    label_smoothing: Type.Optional(Type.Number({ minimum: 0, maximum: 1, markdownDescription: 'CrossEntropy: label smoothing in [0, 1].' })),
    reduction: Type.Optional(
      StringEnum(
        { mean: 'Mean over items (weighted mean with `weight`).', sum: 'Sum over items.', none: 'Per-item losses.', batchmean: 'KLDiv: sum divided by batch size.' },
        { markdownDescription: 'How per-item losses are reduced.' },
      ),
    ),
    gamma: Type.Optional(Type.Number({ minimum: 0, markdownDescription: 'Focal: focusing parameter (default 2).' })),
    alpha: Type.Optional(Type.Union([Type.Number(), Type.Array(Type.Number())], { markdownDescription: 'Focal: class balance weight (scalar for binary, or per class).' })),
    beta: Type.Optional(Type.Number({ exclusiveMinimum: 0, markdownDescription: 'SmoothL1: threshold (default 1).' })),
    delta: Type.Optional(Type.Number({ exclusiveMinimum: 0, markdownDescription: 'Huber: threshold (default 1).' })),
    log_target: Type.Optional(Type.Boolean({ markdownDescription: 'KLDiv: the target is log-probabilities.' })),
  },
  { additionalProperties: false, default: {}, markdownDescription: 'Keyword arguments of the loss, with torch.nn names.' },
);

/** Evaluation-time text generation of causal language models; the names are `GenerationConfig`'s. */
export const GenerationSchema = Type.Object(
  {
    prompts: Type.Optional(
      Type.Array(Type.String(), {
        minItems: 1,
        markdownDescription:
          'Prompts to complete at each evaluation. Default: the first `num_prompts` prompts of the eval set (the prompt column, ' +
          'or a conversation up to its last assistant turn). With `chat`, each prompt is a user message rendered with the chat template.',
        examples: [['What is the capital of France?']],
      }),
    ),
    num_prompts: Type.Integer({
      minimum: 1,
      maximum: 64,
      default: 3,
      markdownDescription: 'How many eval-set prompts are completed when `prompts` is not given.',
    }),
    chat: Type.Optional(
      Type.Boolean({
        markdownDescription:
          'Render each prompt as a user turn with the tokenizer\'s `chat_template` and `add_generation_prompt`. Default: true when the data is `messages`.',
      }),
    ),
    max_new_tokens: Type.Integer({
      minimum: 1,
      maximum: 4096,
      default: 32,
      markdownDescription: 'Tokens generated per prompt at most; generation stops earlier at an EOS token (`generation_config.json`\'s `eos_token_id`, one or a list).',
      hfDiff: 'transformers\' default is `max_length: 20` in total; here the prompt does not count.',
    }),
    do_sample: Type.Optional(
      Type.Boolean({
        markdownDescription: 'Sample instead of greedy decoding. Default: the checkpoint\'s `generation_config.json`, else false.',
      }),
    ),
    temperature: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        markdownDescription: 'Divides the logits before sampling (`TemperatureLogitsWarper`). Default: `generation_config.json`, else 1.',
      }),
    ),
    top_k: Type.Optional(
      Type.Integer({
        minimum: 0,
        markdownDescription: 'Keep the k most likely tokens when sampling; 0 turns it off (`TopKLogitsWarper`). Default: `generation_config.json`, else 50.',
      }),
    ),
    top_p: Type.Optional(
      Type.Number({
        exclusiveMinimum: 0,
        maximum: 1,
        markdownDescription:
          'Nucleus sampling: keep the smallest set of tokens whose probabilities add up to `top_p` (`TopPLogitsWarper`, after temperature and top-k). Default: `generation_config.json`, else 1 (off).',
      }),
    ),
    seed: Type.Optional(
      Type.Integer({
        markdownDescription: 'Seed of the sampler (mulberry32), so sampled generations repeat run to run. Default: `training_args.seed`.',
        hfDiff: 'Sampling draws from this project\'s seeded generator, not torch\'s: the same seed gives other samples than transformers.',
      }),
    ),
  },
  {
    additionalProperties: false,
    markdownDescription:
      'Causal language models: at each evaluation, complete these prompts with a KV cache and log the generations (`generations` events), ' +
      'which the dashboard shows per step side by side.',
  },
);

const PositiveInt = (def: number, doc: string, hfDiff?: string) =>
  Type.Integer({ minimum: 1, default: def, markdownDescription: doc, ...(hfDiff ? { hfDiff } : {}) });

export const TrainingArgumentsSchema = Type.Object(
  {
    output_dir: Type.String({
      // An empty path would silently mean the config's own folder.
      minLength: 1,
      default: 'trainer_output',
      markdownDescription:
        'Where checkpoints, `metrics.jsonl` and `trainer_state.json` go. Relative to the config file. A non-empty folder that is not a run of this trainer is refused unless `overwrite_output_dir` is set; a run from an untrusted workspace may write only inside the config\'s folder.',
    }),
    overwrite_output_dir: Type.Boolean({
      default: false,
      markdownDescription:
        'Start afresh even if `output_dir` holds checkpoints (they are deleted), or write into a non-empty folder that is not a run of this trainer. Otherwise either is an error unless resuming.',
    }),
    run_name: Type.Optional(Type.String({ markdownDescription: 'Display name of the run in the dashboard. Defaults to the `output_dir` folder name.' })),
    num_train_epochs: Type.Number({ exclusiveMinimum: 0, default: 3, markdownDescription: 'Epochs to train (fractions allowed). Ignored when `max_steps` > 0.' }),
    max_steps: Type.Integer({ minimum: -1, default: -1, markdownDescription: 'If > 0, total optimizer steps; overrides `num_train_epochs`.' }),
    per_device_train_batch_size: PositiveInt(8, 'Examples per training micro-batch.'),
    per_device_eval_batch_size: PositiveInt(8, 'Examples per evaluation batch.'),
    gradient_accumulation_steps: PositiveInt(
      1,
      'Micro-batches accumulated before one optimizer step. The loss is normalised by the number of label items in the whole step (`numItemsInBatch`), so k micro-batches equal one k-times larger batch.',
      'An epoch has max(floor(batches / steps), 1) optimizer steps, as HF counts them; micro-batches past the last full group are skipped for that epoch (shuffling moves other rows there next epoch), where transformers 4.46+ trains them as a shorter final step.',
    ),
    learning_rate: Type.Number({ exclusiveMinimum: 0, default: 5e-5, markdownDescription: 'Peak learning rate.' }),
    weight_decay: Type.Number({ minimum: 0, default: 0, markdownDescription: 'Weight decay; never applied to biases or normalisation weights.' }),
    adam_beta1: Type.Number({ minimum: 0, exclusiveMaximum: 1, default: 0.9, markdownDescription: 'Adam/AdamW beta1.' }),
    adam_beta2: Type.Number({ minimum: 0, exclusiveMaximum: 1, default: 0.999, markdownDescription: 'Adam/AdamW beta2.' }),
    adam_epsilon: Type.Number({ exclusiveMinimum: 0, default: 1e-8, markdownDescription: 'Adam/AdamW epsilon.' }),
    max_grad_norm: Type.Number({ minimum: 0, default: 1, markdownDescription: 'Clip the global gradient norm to this value (0 disables). The norm is logged as `grad_norm`.' }),
    optim: StringEnum(OPTIMIZERS, { default: 'adamw_torch', markdownDescription: 'Optimizer.', hfDiff: 'HF also has fused, 8-bit and paged variants; they are not available here.' }),
    optim_args: Type.Optional(Type.String({ markdownDescription: 'Extra optimizer arguments as `key=value,key=value` (e.g. `momentum=0.9` for sgd).' })),
    lr_scheduler_type: StringEnum(SCHEDULERS, { default: 'linear', markdownDescription: 'Learning-rate schedule.' }),
    lr_scheduler_kwargs: Type.Record(Type.String(), Type.Union([Type.Number(), Type.String(), Type.Boolean()]), {
      default: {},
      markdownDescription: 'Extra schedule arguments: `num_cycles`, `power`, `lr_end`, `timescale`, `factor`, `patience`, `min_lr`.',
    }),
    warmup_ratio: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0,
      markdownDescription: 'Fraction of total steps used for linear warmup.',
      hfDiff: 'transformers 5 deprecates it in favour of a fractional `warmup_steps`; here it stays, and `warmup_steps` takes whole steps only.',
    }),
    warmup_steps: Type.Integer({ minimum: 0, default: 0, markdownDescription: 'Steps of linear warmup; overrides `warmup_ratio` when > 0.' }),
    logging_strategy: StringEnum(STRATEGIES, { default: 'steps', markdownDescription: 'When to log the training loss.' }),
    logging_steps: PositiveInt(
      500,
      'Log every N optimizer steps (with the `steps` strategy).',
      'HF also takes a float below 1 as a fraction of the total steps; here it is a whole number of steps.',
    ),
    logging_first_step: Type.Boolean({ default: false, markdownDescription: 'Also log after the first step.' }),
    report_to: Type.Union(
      [
        StringEnum(REPORT_TO, { markdownDescription: 'An integration, `all` or `none`.' }),
        Type.String(),
        Type.Array(Type.Union([StringEnum(REPORT_TO, { markdownDescription: 'An integration.' }), Type.String()])),
      ],
      {
        default: 'none',
        markdownDescription:
          'Where logs are reported besides `metrics.jsonl` and the dashboard: `tensorboard`, `all`, `none`, or a list. Default `none`, as in transformers 5.',
        hfDiff:
          'HF\'s `all` means every integration whose package is installed (wandb, mlflow, comet_ml, ...); here only `tensorboard` is offered, so `all` means TensorBoard, and any other name is a warning (FTS215) and ignored.',
        examples: ['tensorboard', ['tensorboard']],
      },
    ),
    logging_dir: Nullable(Type.String(), {
      markdownDescription:
        'TensorBoard log folder, relative to the config file. Default: `TENSORBOARD_LOGGING_DIR` if set, else `<output_dir>/runs/<Mon DD_HH-MM-SS>_<hostname>`, a new folder per run, as HF.',
      hfDiff:
        'transformers 5 removed `TrainingArguments.logging_dir` (its `TensorBoardCallback` reads `TENSORBOARD_LOGGING_DIR`, else uses the same default); here the field is still accepted and wins over the variable.',
      examples: ['runs/tensorboard'],
    }),
    eval_on_start: Type.Boolean({
      default: false,
      markdownDescription: 'Evaluate once before the first training step (the baseline of a fine-tune); it is logged at step 0.',
    }),
    eval_strategy: StringEnum(STRATEGIES, { default: 'no', markdownDescription: 'When to evaluate on `data.eval_file`.' }),
    eval_steps: Nullable(PositiveInt(1, 'Evaluate every N steps.'), {
      markdownDescription: 'Evaluate every N steps (with the `steps` strategy). Defaults to `logging_steps`.',
    }),
    save_strategy: StringEnum(STRATEGIES, {
      default: 'steps',
      markdownDescription: 'When to write a checkpoint.',
      hfDiff: 'HF also has `best` (save whenever the best metric improves); use `load_best_model_at_end` with matching strategies instead.',
    }),
    save_steps: PositiveInt(
      500,
      'Save every N steps (with the `steps` strategy).',
      'HF also takes a float below 1 as a fraction of the total steps; here it is a whole number of steps.',
    ),
    save_total_limit: Nullable(PositiveInt(1, 'Checkpoints to keep.'), {
      markdownDescription: 'Keep at most this many checkpoints, deleting the oldest. The best checkpoint is always kept.',
    }),
    load_best_model_at_end: Type.Boolean({
      default: false,
      markdownDescription: 'Reload the best checkpoint (by `metric_for_best_model`) when training ends. Needs matching eval and save strategies.',
    }),
    metric_for_best_model: Nullable(Type.String(), {
      markdownDescription: 'Metric that picks the best checkpoint (`loss` or a name from `metrics`, with or without the `eval_` prefix). Defaults to `loss`.',
    }),
    greater_is_better: Nullable(Type.Boolean(), {
      markdownDescription: 'Whether a larger `metric_for_best_model` is better. Defaults to true unless the metric is a loss or an error.',
    }),
    label_smoothing_factor: Type.Number({
      minimum: 0,
      maximum: 1,
      default: 0,
      markdownDescription: 'Label smoothing applied by the default `computeLoss` (replaces the configured loss, as in HF).',
    }),
    seed: Type.Integer({ default: 42, markdownDescription: 'Seed for weight initialisation, dropout and data order.' }),
    data_seed: Nullable(Type.Integer(), { markdownDescription: 'Seed for data order only. Defaults to `seed`.' }),
    dataloader_drop_last: Type.Boolean({ default: false, markdownDescription: 'Drop the last incomplete training batch.' }),
    past_index: Type.Integer({
      default: -1,
      markdownDescription: 'If >= 0, the model output at this index is kept as `mems` state and fed to the next step (as in HF).',
    }),
    resume_from_checkpoint: Nullable(Type.Union([Type.String(), Type.Boolean()]), {
      markdownDescription: 'A checkpoint folder to resume from, or `true` for the latest in `output_dir`.',
    }),
    early_stopping_patience: Nullable(PositiveInt(1, 'Evaluations without improvement.'), {
      markdownDescription: 'Stop after this many evaluations without improvement of `metric_for_best_model`.',
      hfDiff: 'In HF this is an argument of `EarlyStoppingCallback`, not of `TrainingArguments`.',
    }),
    early_stopping_threshold: Type.Number({
      minimum: 0,
      default: 0,
      markdownDescription: 'Minimum improvement that resets the early-stopping patience.',
      hfDiff: 'In HF this is an argument of `EarlyStoppingCallback`, not of `TrainingArguments`.',
    }),
    disable_tqdm: Type.Boolean({ default: false, markdownDescription: 'Disable the CLI progress bar.' }),
    gradient_checkpointing: Type.Boolean({
      default: false,
      markdownDescription:
        'Keep only each decoder block\'s input in the forward pass and recompute the block in the backward pass: ' +
        'activation memory of one block instead of all, for about one more forward pass of compute. The gradients are identical. ' +
        'Hugging Face decoders (GPT-2, Llama, Qwen2, Mistral) only.',
      hfDiff: '`gradient_checkpointing_kwargs` (use_reentrant) has no meaning here.',
    }),
  },
  { additionalProperties: false, markdownDescription: 'Hugging Face `TrainingArguments` names and defaults.' },
);

export const TrainerConfigSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String({ markdownDescription: 'JSON Schema reference for other editors.' })),
    model: ModelSchema,
    data: DataSchema,
    trainer: Type.Optional(
      Type.String({
        minLength: 1,
        markdownDescription: 'Module (`.ts`/`.js`) whose default export extends `Trainer`, or that exports `computeLoss`. Relative to the config file.',
        examples: ['./my_trainer.ts'],
      }),
    ),
    trainer_kwargs: Type.Record(Type.String(), Type.Unknown(), {
      default: {},
      markdownDescription: 'Extra options passed to the custom trainer constructor as `trainerKwargs`.',
    }),
    loss_name: Type.Optional(
      Type.Unsafe<string>({
        type: 'string',
        enum: Object.keys(LOSS_ALIASES),
        markdownEnumDescriptions: Object.entries(LOSS_ALIASES).map(([name, canonical]) =>
          name === canonical ? LOSSES[canonical] : `Same as \`${canonical}\`: ${LOSSES[canonical]}`,
        ),
        markdownDescription: 'Built-in loss. torch.nn class names (`CrossEntropyLoss`) and short forms (`CrossEntropy`) are both accepted. Default: CrossEntropy for classification, MSE for regression.',
      }),
    ),
    peft: Type.Optional(PeftSchema),
    loss_kwargs: LossKwargsSchema,
    metrics: Type.Optional(
      Type.Array(StringEnum(METRICS, { markdownDescription: 'Metric name.' }), {
        uniqueItems: true,
        markdownDescription: 'Metrics computed at each evaluation. Default: `[accuracy]` for classification, `[mse]` for regression.',
      }),
    ),
    generation: Type.Optional(GenerationSchema),
    backend: StringEnum(BACKENDS, { default: 'auto', markdownDescription: 'TensorFlow.js compute backend.' }),
    ignore_memory_plan: Type.Boolean({
      default: false,
      markdownDescription:
        'Start even when the memory plan (weights + gradients + optimizer state + activations against the backend\'s limit: the wasm heap\'s 4 GiB, ' +
        'WebGPU\'s buffer limits, the machine\'s memory) says one training step does not fit. By default such a run is refused before the first step, ' +
        'with what would fit (LoRA, a smaller batch with gradient accumulation, gradient checkpointing, another backend); forced, it may fail mid-way when memory runs out.',
    }),
    threads: Type.Union([Type.Literal('auto'), Type.Integer({ minimum: 1 })], {
      default: 'auto',
      markdownDescription: 'Threads for the wasm backend: `auto` or a number.',
    }),
    training_args: TrainingArgumentsSchema,
    launcher: Type.Optional(LauncherSchema),
  },
  { additionalProperties: false, title: 'Fine-Tune Studio trainer config' },
);

export type ModelConfig = Static<typeof ModelSchema>;
export type DataConfig = Static<typeof DataSchema>;
export type PeftConfig = Static<typeof PeftSchema>;
export type LossKwargs = Static<typeof LossKwargsSchema>;
export type GenerationConfig = Static<typeof GenerationSchema>;
export type TrainingArguments = Static<typeof TrainingArgumentsSchema>;
/** A config after defaults have been applied: every defaulted field is present. */
export type TrainerConfig = Static<typeof TrainerConfigSchema>;
