/**
 * Step and training tokens seen of a checkpoint, from its revision name and its family. The rates are
 * the study's (METHOD-REFERENCE §2.4, `vis.py:revision2tokens_*`), so the numbers line up with its labels:
 *
 * 1. A name that carries its tokens wins, whatever the family: OLMo's `step16000-tokens33B` → step
 *    16000, 33 × 10⁹ tokens (`…-tokens4B`, `…-tokens3048B`; K, M, B and T suffixes).
 * 2. Tokens per step given by the user: step × tokensPerStep.
 * 3. Pythia: `stepN` → N × 2,097,152 (1024 sequences × 2048 tokens); `main` is step 143000. The study
 *    labels use 2M a step (step2000 → "4B", main → "286B"); we keep the exact count.
 * 4. BLOOM: `global_stepN` (the `-intermediate` repos) → N × 550,000, the study's rate (10000 → 5.5B,
 *    labelled "6B"); `main` → 341 × 10⁹ (the 1b1 model's full run; the study's "341B").
 * 5. OLMo `main` names no count (the study calls it "3048B+cooldown") → unknown, as is anything else.
 */

/** Which family rule applies when the name carries no token count. */
export type TokenScheme = 'pythia' | 'olmo' | 'bloom' | 'none';

export interface TokenRule {
  /** Tokens per optimizer step, when the user gave it (wins over the family rule, not over the name). */
  tokensPerStep: number | null;
  scheme: TokenScheme;
}

/** Tokens per Pythia training step: batch 1024 sequences × 2048 tokens. */
export const pythiaTokensPerStep = 2_097_152;
export const pythiaFinalStep = 143_000;
/** Tokens per BLOOM `global_step`, as the study converts them (`revision2tokens_bloom`). */
export const bloomTokensPerStep = 550_000;
/** Tokens seen by BLOOM-1b1 `main` (the study's label "341B"). */
export const bloomFinalTokens = 341e9;

/** `step1000`, `step-1000`, `global_step1000`, `step16000-tokens33B` → the step; null without one. */
export function revisionStep(revision: string): number | null {
  const match = /step[-_]?(\d+)/i.exec(revision);
  return match ? Number(match[1]) : null;
}

const suffixScale: Readonly<Record<string, number>> = { k: 1e3, m: 1e6, b: 1e9, t: 1e12 };

/** Tokens a revision name states (`…-tokens33B` → 33e9, `tokens2.5T` → 2.5e12); null when it states none. */
export function revisionNamedTokens(revision: string): number | null {
  const match = /(?:^|[-_])tokens(\d+(?:\.\d+)?)([kmbt])(?![a-z])/i.exec(revision);
  if (!match) return null;
  return Math.round(Number(match[1]) * suffixScale[match[2]!.toLowerCase()]!);
}

/**
 * The rule a family follows: the architecture family when it says (`olmo`, `bloom`), else the repo id
 * or family name (`EleutherAI/pythia-1b`, `allenai/OLMo-1B-0724-hf`, `bigscience/bloom-1b1`).
 */
export function tokenSchemeOf(model: { family?: string; name?: string; source?: string }): TokenScheme {
  const family = model.family?.toLowerCase() ?? '';
  if (family === 'olmo') return 'olmo';
  if (family === 'bloom') return 'bloom';
  const text = [model.source ?? '', model.name ?? ''];
  if (text.some((t) => /(^|\/)pythia/i.test(t))) return 'pythia';
  if (text.some((t) => /(^|\/)olmo/i.test(t))) return 'olmo';
  if (text.some((t) => /(^|\/)bloom/i.test(t))) return 'bloom';
  return 'none';
}

/** Step and tokens seen of a revision under `rule` (the numbered rules at the top of this file). */
export function checkpointPosition(
  revision: string,
  rule: TokenRule,
): { step: number | null; tokensSeen: number | null } {
  const isMain = revision === 'main';
  const step = revisionStep(revision) ?? (rule.scheme === 'pythia' && isMain ? pythiaFinalStep : null);
  const named = revisionNamedTokens(revision);
  if (named !== null) return { step, tokensSeen: named };
  if (step !== null && rule.tokensPerStep !== null) return { step, tokensSeen: step * rule.tokensPerStep };
  switch (rule.scheme) {
    case 'pythia':
      return { step, tokensSeen: step === null ? null : step * pythiaTokensPerStep };
    case 'bloom':
      if (isMain) return { step, tokensSeen: bloomFinalTokens };
      return { step, tokensSeen: step === null ? null : step * bloomTokensPerStep };
    case 'olmo':
    case 'none':
      return { step, tokensSeen: null };
  }
}
