/** The Slurm target of `finetune-studio sweep` (a job array); filled in with the Slurm launcher. */
export async function runSlurmSweep(_options: unknown): Promise<void> {
  throw new Error('--target slurm is not available yet; run the sweep with --target local');
}
