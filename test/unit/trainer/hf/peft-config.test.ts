/** PEFT's LoraConfig rules (peft 0.21): defaults per model_type, target matching, modules_to_save, the trainable-parameters line. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adapterConfigJson, moduleToSaveOf, peftFromAdapterConfig, resolveLora, selectTargets } from '../../../../src/trainer/models/hf/peft-config';
import { formatTrainableParameters } from '../../../../src/protocol/parameters';

const BERT_LINEARS = [
  'bert.encoder.layer.0.attention.self.query',
  'bert.encoder.layer.0.attention.self.key',
  'bert.encoder.layer.0.attention.self.value',
  'bert.encoder.layer.0.attention.output.dense',
  'bert.encoder.layer.0.intermediate.dense',
  'bert.encoder.layer.0.output.dense',
  'bert.pooler.dense',
  'classifier',
];

test('defaults are PEFT\'s per model_type; SEQ_CLS adds classifier and score to modules_to_save; scaling α/r or α/√r', () => {
  const bert = resolveLora({}, 'bert', 'SEQ_CLS', 'x.yaml');
  assert.deepEqual(bert.targetModules, ['query', 'value']);
  assert.deepEqual(bert.modulesToSave, ['classifier', 'score']);
  assert.equal(bert.r, 8);
  assert.equal(bert.scaling, 1);
  assert.deepEqual(resolveLora({}, 'gpt2', 'CAUSAL_LM', 'x').targetModules, ['c_attn']);
  assert.equal(resolveLora({}, 'gpt2', 'CAUSAL_LM', 'x').fanInFanOut, true);
  assert.deepEqual(resolveLora({}, 'llama', 'CAUSAL_LM', 'x').modulesToSave, []);
  assert.equal(resolveLora({ r: 16, lora_alpha: 8, use_rslora: true }, 'bert', 'SEQ_CLS', 'x').scaling, 2);
  assert.equal(resolveLora({ r: 16, lora_alpha: 8 }, 'bert', 'SEQ_CLS', 'x').scaling, 0.5);
  assert.throws(() => resolveLora({}, 'electra2', 'SEQ_CLS', 'x.yaml'), /x\.yaml: peft\.target_modules is needed/);
});

test('target_modules: a list matches whole names or dotted suffixes, a string is a full-match regex, all-linear spares the head', () => {
  const settings = resolveLora({}, 'bert', 'SEQ_CLS', 'x');
  assert.deepEqual(selectTargets(settings, BERT_LINEARS, ['classifier']), [BERT_LINEARS[0], BERT_LINEARS[2]]);
  assert.deepEqual(selectTargets({ ...settings, targetModules: ['dense'] }, BERT_LINEARS, []), [BERT_LINEARS[3], BERT_LINEARS[4], BERT_LINEARS[5], BERT_LINEARS[6]]);
  assert.deepEqual(selectTargets({ ...settings, targetModules: ['self.query'] }, BERT_LINEARS, []), [BERT_LINEARS[0]]);
  assert.deepEqual(selectTargets({ ...settings, targetModules: ['uery'] }, BERT_LINEARS, []), [], 'a part of a name is no match');
  assert.deepEqual(selectTargets({ ...settings, targetModules: '.*\\.(query|key)' }, BERT_LINEARS, []), [BERT_LINEARS[0], BERT_LINEARS[1]]);
  assert.deepEqual(selectTargets({ ...settings, targetModules: 'query' }, BERT_LINEARS, []), [], 'a regex matches the whole name');
  assert.deepEqual(selectTargets({ ...settings, targetModules: 'all-linear' }, BERT_LINEARS, ['classifier']), BERT_LINEARS.slice(0, 7));
  assert.deepEqual(selectTargets({ ...settings, targetModules: ['classifier'] }, BERT_LINEARS, []), [], 'a module to save gets no adapter');
});

test('modules_to_save match as PEFT\'s _set_trainable: the outermost module whose name ends with the entry', () => {
  const settings = resolveLora({}, 'roberta', 'SEQ_CLS', 'x');
  assert.equal(moduleToSaveOf(settings, 'classifier.dense.weight'), 'classifier');
  assert.equal(moduleToSaveOf(settings, 'pre_classifier.weight'), 'pre_classifier', 'distilbert\'s pre_classifier ends with classifier');
  assert.equal(moduleToSaveOf(settings, 'roberta.encoder.layer.0.attention.self.query.weight'), undefined);
});

test('adapter_config.json round trip: PEFT\'s fields in, the same settings out; unsupported features are refused', () => {
  const settings = resolveLora({ r: 4, lora_alpha: 8, bias: 'lora_only' }, 'bert', 'SEQ_CLS', 'x');
  const json = adapterConfigJson(settings, [BERT_LINEARS[0]], 'google-bert/bert-base-uncased');
  assert.equal(json.base_model_name_or_path, 'google-bert/bert-base-uncased');
  assert.equal(json.task_type, 'SEQ_CLS');
  const back = peftFromAdapterConfig(json, 'adapter_config.json');
  assert.equal(back.baseModel, 'google-bert/bert-base-uncased');
  assert.deepEqual(resolveLora(back.peft, 'bert', 'SEQ_CLS', 'x'), settings);
  assert.throws(() => peftFromAdapterConfig({ ...json, use_dora: true }, 'a/adapter_config.json'), /a\/adapter_config\.json: "use_dora" is set/);
  assert.throws(() => peftFromAdapterConfig({ ...json, peft_type: 'IA3' }, 'a.json'), /only LORA/);
  assert.deepEqual(adapterConfigJson({ ...settings, targetModules: 'all-linear' }, ['b', 'a'], 'm').target_modules, ['a', 'b'], 'all-linear is written resolved');
});

test('print_trainable_parameters\' format', () => {
  // Python's f"{100 * 73728 / 4459266:.4f}" is 1.6534 (1.65336627...).
  assert.equal(formatTrainableParameters(73_728, 4_459_266), 'trainable params: 73,728 || all params: 4,459,266 || trainable%: 1.6534');
  assert.equal(formatTrainableParameters(1_123, 26_790), 'trainable params: 1,123 || all params: 26,790 || trainable%: 4.1919');
});
