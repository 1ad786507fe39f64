/** The environment as huggingface_hub/constants.py and utils/_auth.py read it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { findToken, hfHome, hubCacheDir, hubEndpoint, isOffline, tokenPath } from '../../../src/hub/env';
import { formatModelId, parseModelId, repoFolderName, repoIdFromFolder } from '../../../src/hub/model-id';
import { checkRepoFiles, isNeededFile } from '../../../src/hub/files';

const HOME = '/home/ada';

test('the cache folder: HF_HUB_CACHE, else HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub', () => {
  assert.equal(hubCacheDir({}, HOME), '/home/ada/.cache/huggingface/hub');
  assert.equal(hubCacheDir({ XDG_CACHE_HOME: '/xdg' }, HOME), '/xdg/huggingface/hub');
  assert.equal(hubCacheDir({ XDG_CACHE_HOME: '/xdg', HF_HOME: '/hf' }, HOME), '/hf/hub');
  assert.equal(hubCacheDir({ HF_HOME: '/hf', HF_HUB_CACHE: '/cache' }, HOME), '/cache');
  assert.equal(hubCacheDir({ HUGGINGFACE_HUB_CACHE: '/legacy' }, HOME), '/legacy');
  assert.equal(hubCacheDir({ HF_HUB_CACHE: '~/models' }, HOME), '/home/ada/models', '~ expands as Python expanduser');
  assert.equal(hubCacheDir({ HF_HOME: '$DATA/hf', DATA: '/data' }, HOME), '/data/hf/hub', '$VARS expand as Python expandvars');
  assert.equal(hfHome({}, HOME), '/home/ada/.cache/huggingface');
});

test('the token: HF_TOKEN first, then the file huggingface-cli login writes (HF_TOKEN_PATH or HF_HOME/token)', () => {
  const files: Record<string, string> = { '/hf/token': 'hf_fromfile\n', '/custom': '  hf_custom  ' };
  const read = (path: string) => files[path];
  assert.deepEqual(findToken({ HF_TOKEN: 'hf_env', HF_HOME: '/hf' }, HOME, read), { token: 'hf_env', from: 'HF_TOKEN' });
  assert.deepEqual(findToken({ HF_HOME: '/hf' }, HOME, read), { token: 'hf_fromfile', from: '/hf/token' });
  assert.deepEqual(findToken({ HF_TOKEN_PATH: '/custom' }, HOME, read), { token: 'hf_custom', from: '/custom' });
  assert.deepEqual(findToken({ HF_TOKEN: '' , HUGGING_FACE_HUB_TOKEN: 'hf_old' }, HOME, read), { token: 'hf_old', from: 'HUGGING_FACE_HUB_TOKEN' });
  assert.equal(findToken({}, HOME, read), undefined);
  assert.equal(tokenPath({}, HOME), '/home/ada/.cache/huggingface/token');
});

test('offline and endpoint switches', () => {
  for (const v of ['1', 'ON', 'yes', 'True']) assert.equal(isOffline({ HF_HUB_OFFLINE: v }), true, v);
  for (const v of ['0', '', 'off']) assert.equal(isOffline({ HF_HUB_OFFLINE: v }), false, v);
  assert.equal(isOffline({ TRANSFORMERS_OFFLINE: '1' }), true);
  assert.equal(hubEndpoint({}), 'https://huggingface.co');
  assert.equal(hubEndpoint({ HF_ENDPOINT: 'https://hf-mirror.com/' }), 'https://hf-mirror.com');
});

test('model ids: name, org/name, org/name@revision; the cache folder names', () => {
  assert.deepEqual(parseModelId('gpt2'), { repoId: 'gpt2', revision: 'main', explicitRevision: false });
  assert.deepEqual(parseModelId('distilbert/distilbert-base-uncased@v1.0'), { repoId: 'distilbert/distilbert-base-uncased', revision: 'v1.0', explicitRevision: true });
  assert.match(parseModelId('org/name@') as string, /nothing after '@'/);
  assert.match(parseModelId('a/b/c') as string, /not a Hub model id/);
  assert.match(parseModelId('org--x/name') as string, /'--' and '\.\.' are not allowed/);
  assert.equal(repoFolderName('google-bert/bert-base-uncased'), 'models--google-bert--bert-base-uncased');
  assert.equal(repoFolderName('gpt2'), 'models--gpt2');
  assert.equal(repoIdFromFolder('models--google-bert--bert-base-uncased'), 'google-bert/bert-base-uncased');
  assert.equal(repoIdFromFolder('datasets--x--y'), undefined);
  assert.equal(formatModelId({ repoId: 'a/b', revision: 'main' }), 'a/b');
});

test('only the files a fine-tune needs are selected', () => {
  const repo = ['config.json', 'model.safetensors', 'model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'tokenizer.json', 'generation_config.json', 'pytorch_model.bin', 'tf_model.h5', 'onnx/model.onnx', 'onnx/model.safetensors', 'README.md', 'flax_model.msgpack'];
  assert.deepEqual(repo.filter(isNeededFile), ['config.json', 'model.safetensors', 'model.safetensors.index.json', 'model-00001-of-00002.safetensors', 'tokenizer.json', 'generation_config.json']);
  assert.equal(checkRepoFiles(repo), undefined);
  assert.match(checkRepoFiles(['config.json', 'pytorch_model.bin'])!, /only pytorch_model\.bin/);
  assert.match(checkRepoFiles(['model.safetensors'])!, /no config\.json/);
});
