export { prepareCausalLmData, describeCausalData, TRL_DEFAULT_MAX_LENGTH, CHAT_ROLES, type CausalLmData, type CausalPrepareOptions, type CausalSplitStats } from './prepare-causal';
export { CausalLmDataset, countTargets, type CausalSequences } from './causal-dataset';
export { ChatTemplate, ChatTemplateError, type ChatMessage, type Rendered } from './chat-template';
export { causalFormatOf, type CausalFormat } from './formats';
export { packBfd, packWrapped, type PackedBlocks, type TokenSequence } from './packing';
