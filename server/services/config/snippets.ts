/** Whole-section snippets for a new config: `model`, `data`, `training_args` with their usual keys. */
import type { ConfigFormat } from '../../../src/config/index';

export interface SectionSnippet {
  key: string;
  detail: string;
  body: string;
}

type Entry = [key: string, placeholder: string];

const SECTIONS: Record<string, { detail: string; entries: Entry[] }> = {
  model: {
    detail: 'architecture, num_labels',
    entries: [
      ['architecture', '${1|text-classifier,transformer-encoder,mlp|}'],
      ['num_labels', '${2:2}'],
    ],
  },
  data: {
    detail: 'train_file, eval_file, text_column, label_column',
    entries: [
      ['train_file', '${1:data/train.jsonl}'],
      ['eval_file', '${2:data/valid.jsonl}'],
      ['text_column', '${3:text}'],
      ['label_column', '${4:label}'],
    ],
  },
  training_args: {
    detail: 'output_dir, epochs, learning rate, batch size, strategies',
    entries: [
      ['output_dir', '${1:runs/my-run}'],
      ['num_train_epochs', '${2:3}'],
      ['learning_rate', '${3:5e-5}'],
      ['per_device_train_batch_size', '${4:8}'],
      ['eval_strategy', '${5|epoch,steps,no|}'],
      ['save_strategy', '${6|epoch,steps,no|}'],
    ],
  },
};

const STRING_KEYS = new Set(['architecture', 'train_file', 'eval_file', 'text_column', 'label_column', 'output_dir', 'eval_strategy', 'save_strategy']);

export function sectionSnippets(format: ConfigFormat, indent: string): SectionSnippet[] {
  return Object.entries(SECTIONS).map(([key, { detail, entries }]) => {
    if (format === 'json') {
      const lines = entries.map(([k, v]) => `${indent}  "${k}": ${STRING_KEYS.has(k) ? `"${v}"` : v}`);
      return { key, detail, body: `"${key}": {\n${lines.join(',\n')}\n${indent}}` };
    }
    return { key, detail, body: `${key}:\n${entries.map(([k, v]) => `${indent}  ${k}: ${v}`).join('\n')}\n$0` };
  });
}
