import type { PageId } from './pages';

interface EmptyState {
  lead: string;
  steps: string[];
}

/** What each workflow page tells a user before there is anything to show. */
const emptyStates: Record<Exclude<PageId, 'jobs' | 'settings'>, EmptyState> = {
  models: {
    lead: 'No model family yet. Add one to pick the 2–3 checkpoints a crosscoder will compare.',
    steps: [
      'Add a model family from a local Hugging Face folder or the Hugging Face cache (e.g. EleutherAI/pythia-1b).',
      'List its revisions with tokens seen and check each is complete.',
      'Run task accuracy per checkpoint to choose the triplet.',
    ],
  },
  activations: {
    lead: 'No activation store yet. Extract the residual stream of your checkpoints on the same token windows.',
    steps: [
      'Choose checkpoints and a layer (Pythia: block 8 output).',
      'Pick a corpus and a context length.',
      'Start extraction; it resumes if interrupted.',
    ],
  },
  training: {
    lead: 'No crosscoder run yet. Train one over an activation store.',
    steps: [
      'Pick an activation store.',
      'Choose L1 or BatchTopK and the dictionary size.',
      'Watch loss, L0 and dead features live.',
    ],
  },
  attribution: {
    lead: 'No attribution yet. Score each feature’s IE per checkpoint on a minimal-pair task.',
    steps: [
      'Pick a trained run and a task (BLiMP, CLAMS).',
      'Run integrated gradients or attribution patching.',
      'Review RelIE and lifecycle categories.',
    ],
  },
  features: {
    lead: 'No features to annotate yet. Features selected by attribution appear here as a queue.',
    steps: [
      'Create or choose your annotator profile in Settings.',
      'Open the queue; one key saves and advances.',
      'Every change autosaves with history.',
    ],
  },
  faithfulness: {
    lead: 'No faithfulness checks yet. Test whether the features a crosscoder aligns are real.',
    steps: [
      'Train a crosscoder and attribute it on a task or two (the categories to check come from there).',
      'Run the checks: reordered checkpoints, other seeds, independent SAEs, a held-out task, latent scaling.',
      'Read the verdicts here and as badges in the feature queue.',
    ],
  },
  review: {
    lead: 'Nothing to review yet. Agreement and adjudication need annotations from at least two annotators.',
    steps: [
      'Annotate features with two or more annotators.',
      'Compare, adjudicate, and review lifecycle labels here.',
    ],
  },
  export: {
    lead: 'Nothing to export yet. Tables appear once features are annotated.',
    steps: ['Annotate features.', 'Export CSV, JSONL, LaTeX or Markdown with provenance.'],
  },
};

/** The lead, the steps and the self-test hint a workflow shows before there is anything to show. */
export function WorkflowEmptyState({
  page,
  onOpenJobs,
}: {
  page: keyof typeof emptyStates;
  onOpenJobs: () => void;
}) {
  const state = emptyStates[page];
  return (
    <div className="empty-state" data-testid={`empty-${page}`}>
      <p className="empty-state__lead">{state.lead}</p>
      <ol>
        {state.steps.map((s) => (
          <li key={s}>{s}</li>
        ))}
      </ol>
      <p className="muted">
        First time here? Check the compute backend with the self-test on the{' '}
        <button type="button" className="link" onClick={onOpenJobs}>
          Jobs
        </button>{' '}
        page.
      </p>
    </div>
  );
}

export function WorkflowPage({
  page,
  title,
  onOpenJobs,
}: {
  page: keyof typeof emptyStates;
  title: string;
  onOpenJobs: () => void;
}) {
  return (
    <section className="page" aria-labelledby={`${page}-title`}>
      <h1 id={`${page}-title`}>{title}</h1>
      <WorkflowEmptyState page={page} onOpenJobs={onOpenJobs} />
    </section>
  );
}
