/**
 * `finetune-studio <command>`: the headless CLI, also the trainer child-process entry (`train --ipc`).
 * Each command lives in its own module; this file only dispatches.
 */
import { isTrainWorker } from './train-thread';

const USAGE = `Usage: finetune-studio <command> [options]

Commands:
  validate <config...> [--json]     check trainer configs; exit 1 on any error
  train <config> [--json] [--resume[=<ckpt>]] [--overwrite-output-dir]
                [--max-steps N] [--backend B] [--offline]
                                    run a training job (Ctrl-C: checkpoint and stop)
  download <org/name[@rev]> [--revision R] [--offline] [--json]
                                    fetch a Hub model into the Hugging Face cache
  sweep <file.sweep.yaml> [--parallel N] [--target local|slurm] [--cluster F]
                                    run a hyperparameter sweep; writes sweep.jsonl/.csv
  submit <config> [--cluster <file.cluster.yaml>] [--resume]
                                    run a training job on Slurm (sbatch); prints the job id
  generate <model|run-dir|checkpoint> --prompt "…" [--chat] [--system "…"]
           [--max-new-tokens N] [--do-sample] [--temperature T] [--top-k K]
           [--top-p P] [--seed S] [--backend B]
                                    complete a prompt with a causal LM, streaming the text
  export <run-dir...> --format csv|json|tensorboard [--out PATH]
                                    every logged value of the runs: one CSV/JSON table
                                    (stdout or PATH), or TensorBoard event files
  merge <adapter-folder> --out <folder> [--offline] [--json]
                                    merge a LoRA adapter into its base model: a Hugging
                                    Face folder transformers loads without peft
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'validate':
      return (await import('./validate')).runValidate(rest);
    case 'train':
      return (await import('./train')).runTrain(rest);
    case 'download':
      return (await import('./download')).runDownload(rest);
    case 'sweep':
      return (await import('./sweep')).runSweep(rest);
    case 'submit':
      return (await import('./submit')).runSubmit(rest);
    case 'generate':
      return (await import('./generate')).runGenerate(rest);
    case 'export':
      return (await import('./export')).runExport(rest);
    case 'merge':
      return (await import('./merge')).runMerge(rest);
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`finetune-studio: unknown command '${command}'\n\n${USAGE}`);
      return 2;
  }
}

if (isTrainWorker()) {
  // This file is also the training thread's entry (train-supervisor.ts starts it).
  void import('./train-worker').then((worker) => worker.runTrainWorker());
} else {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`finetune-studio: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
