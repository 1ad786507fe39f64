/**
 * Command identifiers shared by the extension host (which registers them) and the language
 * server (whose code lenses invoke them). Declared once.
 */
export const Commands = {
  startTraining: 'finetuneStudio.startTraining',
  stopTraining: 'finetuneStudio.stopTraining',
  resumeTraining: 'finetuneStudio.resumeFromCheckpoint',
  pauseTraining: 'finetuneStudio.pauseTraining',
  continueTraining: 'finetuneStudio.continueTraining',
  saveCheckpoint: 'finetuneStudio.saveCheckpoint',
  restartLanguageServer: 'finetuneStudio.restartLanguageServer',
  openDashboard: 'finetuneStudio.openDashboard',
  validateConfig: 'finetuneStudio.validateConfig',
  newTrainerConfig: 'finetuneStudio.newTrainerConfig',
  newCustomTrainer: 'finetuneStudio.newCustomTrainer',
  downloadModel: 'finetuneStudio.downloadModel',
  refreshModels: 'finetuneStudio.refreshModels',
  newConfigFromModel: 'finetuneStudio.newConfigFromModel',
  revealModel: 'finetuneStudio.revealModel',
  deleteModelRevision: 'finetuneStudio.deleteModelRevision',
  tryModel: 'finetuneStudio.tryModel',
  mergeAdapter: 'finetuneStudio.mergeAdapter',
  startTrainingOnSlurm: 'finetuneStudio.startTrainingOnSlurm',
} as const;

export type CommandId = (typeof Commands)[keyof typeof Commands];
