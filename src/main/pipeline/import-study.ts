import type { RequestOutput } from '../../shared/contract';
import { defaultThresholds, type Thresholds } from '../../shared/lifecycle';
import { ownerSession } from '../services/session-access';
import type { Workbench } from '../workbench';

type Imported = RequestOutput<'features:importStudy'>;

/**
 * Imports a study folder into the workbench's project through the contract, as the UI would
 * (`features:importStudy`; the same study imported again returns the run made the first time). The
 * import indexes with the default RelIE thresholds; other thresholds re-index every attribution.
 */
export async function importStudyFolder(
  workbench: Workbench,
  studyDir: string,
  lifecycle: Thresholds & { top: number },
): Promise<Imported> {
  const context = { transport: 'cli' as const, session: ownerSession };
  const result = await workbench.invoke('features:importStudy', { dir: studyDir }, context);
  if (!result.ok) throw new Error(`importing ${studyDir} failed: ${result.error.message}`);
  const imported = result.value as Imported;
  if (lifecycle.low !== defaultThresholds.low || lifecycle.high !== defaultThresholds.high) {
    for (const attribution of workbench.store.attributions.list(imported.runId)) {
      const indexed = await workbench.invoke(
        'features:indexAttribution',
        {
          runId: imported.runId,
          attributionId: attribution.id,
          top: lifecycle.top,
          low: lifecycle.low,
          high: lifecycle.high,
        },
        context,
      );
      if (!indexed.ok) throw new Error(`indexing ${attribution.id} failed: ${indexed.error.message}`);
    }
  }
  return imported;
}
