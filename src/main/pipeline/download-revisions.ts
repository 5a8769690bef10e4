import { downloadModelRevision } from '../../core/hf/download';
import { PipelineCancelledError, seconds, type PipelineEvent } from './stage';
import { planStudy, type StudyPlan } from './study-plan';

/** `model.download`: fetches the revisions the HF cache lacks, then plans the study again. */
export async function downloadMissing(
  plan: StudyPlan,
  options: { signal: AbortSignal; emit: (event: PipelineEvent) => void; accessToken: string | undefined },
): Promise<StudyPlan> {
  const { signal, emit } = options;
  if (plan.missingRevisions.length === 0) return plan;
  const position = { stage: 'download' as const, index: 0, count: plan.missingRevisions.length };
  const started = performance.now();
  const names = plan.missingRevisions.map((r) => `${r.repo}@${r.revision}`).join(', ');
  emit({
    type: 'stage-start',
    ...position,
    title: `download ${names}`,
    why: 'not in the Hugging Face cache',
  });
  for (const [i, { revision, repo }] of plan.missingRevisions.entries()) {
    try {
      await downloadModelRevision({
        repo,
        revision,
        cacheDir: plan.model.cacheDir!,
        signal,
        ...(options.accessToken === undefined ? {} : { accessToken: options.accessToken }),
        onProgress: (p) =>
          emit({
            type: 'progress',
            ...position,
            fraction:
              (i + (p.bytesTotal > 0 ? p.bytesDone / p.bytesTotal : 0)) / plan.missingRevisions.length,
            report: {
              step: p.bytesDone,
              total: p.bytesTotal,
              message: `${revision}: ${p.file} (${p.fileIndex}/${p.fileCount})`,
            },
          }),
      });
    } catch (error) {
      if (signal.aborted) throw new PipelineCancelledError('download', plan.outDir);
      throw error;
    }
  }
  emit({
    type: 'stage-end',
    ...position,
    status: 'done',
    seconds: seconds(performance.now() - started),
    lines: [],
  });
  const replanned = await planStudy(plan.config, plan.planOptions);
  if (replanned.missingRevisions.length > 0)
    throw new Error(
      `${replanned.missingRevisions.map((r) => r.revision).join(', ')} still missing after the download`,
    );
  return replanned;
}
