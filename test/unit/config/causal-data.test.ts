/** The pure causal-LM helpers the trainer and the editor share: format detection and the task of a config.json. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectCausalFormat } from '../../../src/config/causal-data';
import { checkpointTask } from '../../../src/config/checkpoint-task';

const keys = { text_column: 'text', prompt_column: 'prompt', completion_column: 'completion', messages_column: 'messages' };

test('the format follows data.format, else messages, then prompt + completion, then text', () => {
  assert.equal(detectCausalFormat(['messages', 'text'], keys), 'messages');
  assert.equal(detectCausalFormat(['prompt', 'completion', 'text'], keys), 'prompt-completion');
  assert.equal(detectCausalFormat(['prompt', 'text'], keys), 'text');
  assert.equal(detectCausalFormat(['body'], keys), undefined);
  assert.equal(detectCausalFormat(['body'], { ...keys, text_column: 'body' }), 'text');
  assert.equal(detectCausalFormat(['messages'], { ...keys, format: 'text' }), 'text');
});

test('the task: model.task, else architectures, else a decoder model_type is causal-lm', () => {
  assert.equal(checkpointTask({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] }), 'causal-lm');
  assert.equal(checkpointTask({ model_type: 'qwen2', architectures: ['Qwen2ForCausalLM'] }), 'causal-lm');
  assert.equal(checkpointTask({ model_type: 'llama', architectures: ['LlamaForSequenceClassification'] }), 'sequence-classification');
  assert.equal(checkpointTask({ model_type: 'mistral' }), 'causal-lm');
  assert.equal(checkpointTask({ model_type: 'bert' }), 'sequence-classification');
  assert.equal(checkpointTask({ model_type: 'bert', architectures: ['BertForMaskedLM'] }), 'sequence-classification');
  assert.equal(checkpointTask({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'] }, 'sequence-classification'), 'sequence-classification');
});
