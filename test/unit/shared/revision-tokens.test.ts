import { describe, expect, it } from 'vitest';
import {
  bloomFinalTokens,
  checkpointPosition,
  pythiaTokensPerStep,
  revisionNamedTokens,
  revisionStep,
  tokenSchemeOf,
  type TokenRule,
} from '../../../src/shared/revision-tokens';

const rule = (scheme: TokenRule['scheme'], tokensPerStep: number | null = null): TokenRule => ({
  scheme,
  tokensPerStep,
});

describe('revision names → step and tokens seen, by family', () => {
  it('reads OLMo names that carry their tokens, whatever the family', () => {
    expect(checkpointPosition('step16000-tokens33B', rule('olmo'))).toEqual({
      step: 16000,
      tokensSeen: 33e9,
    });
    expect(checkpointPosition('step2000-tokens4B', rule('olmo'))).toEqual({ step: 2000, tokensSeen: 4e9 });
    expect(checkpointPosition('step1454000-tokens3048B', rule('olmo'))).toEqual({
      step: 1_454_000,
      tokensSeen: 3_048e9,
    });
    // The name wins over a tokens-per-step and over another family's rule.
    expect(checkpointPosition('step1000-tokens2B', rule('none', 4096))).toEqual({
      step: 1000,
      tokensSeen: 2e9,
    });
    expect(checkpointPosition('step1000-tokens2B', rule('pythia'))).toEqual({ step: 1000, tokensSeen: 2e9 });
    expect(revisionNamedTokens('step5-tokens21M')).toBe(21e6);
    expect(revisionNamedTokens('stage1-tokens2.5T')).toBe(2.5e12);
    expect(revisionNamedTokens('step16000')).toBeNull();
    expect(revisionNamedTokens('tokensXB')).toBeNull();
    expect(revisionNamedTokens('mytokens3B')).toBeNull();
  });

  it('OLMo main names no count: unknown', () => {
    expect(checkpointPosition('main', rule('olmo'))).toEqual({ step: null, tokensSeen: null });
    expect(checkpointPosition('step1000', rule('olmo'))).toEqual({ step: 1000, tokensSeen: null });
  });

  it('Pythia: stepN × 2,097,152, main = step 143000; a tokens-per-step wins', () => {
    expect(pythiaTokensPerStep).toBe(1024 * 2048);
    expect(checkpointPosition('step512', rule('pythia'))).toEqual({ step: 512, tokensSeen: 1_073_741_824 });
    expect(checkpointPosition('step2000', rule('pythia'))).toEqual({ step: 2000, tokensSeen: 4_194_304_000 });
    expect(checkpointPosition('main', rule('pythia'))).toEqual({
      step: 143_000,
      tokensSeen: 299_892_736_000,
    });
    expect(checkpointPosition('step10', rule('pythia', 4096))).toEqual({ step: 10, tokensSeen: 40_960 });
  });

  it('BLOOM: global_stepN × 550,000 and main = 341B (the study numbers)', () => {
    expect(checkpointPosition('global_step1000', rule('bloom'))).toEqual({ step: 1000, tokensSeen: 550e6 });
    expect(checkpointPosition('global_step10000', rule('bloom'))).toEqual({
      step: 10_000,
      tokensSeen: 5.5e9,
    });
    expect(checkpointPosition('global_step100000', rule('bloom'))).toEqual({
      step: 100_000,
      tokensSeen: 55e9,
    });
    expect(checkpointPosition('main', rule('bloom'))).toEqual({ step: null, tokensSeen: bloomFinalTokens });
    expect(bloomFinalTokens).toBe(341e9);
  });

  it('other families: a tokens-per-step or nothing', () => {
    expect(checkpointPosition('step10', rule('none'))).toEqual({ step: 10, tokensSeen: null });
    expect(checkpointPosition('final', rule('none', 4096))).toEqual({ step: null, tokensSeen: null });
    expect(checkpointPosition('main', rule('none', 4096))).toEqual({ step: null, tokensSeen: null });
    expect(revisionStep('pythia-160m-step-512')).toBe(512);
    expect(revisionStep('global_step250')).toBe(250);
    expect(revisionStep('main')).toBeNull();
  });

  it('picks the rule from the family, then the repo or name', () => {
    expect(tokenSchemeOf({ family: 'olmo', name: 'x' })).toBe('olmo');
    expect(tokenSchemeOf({ family: 'bloom', name: 'x' })).toBe('bloom');
    expect(tokenSchemeOf({ family: 'gpt_neox', name: 'x', source: 'EleutherAI/pythia-1b' })).toBe('pythia');
    expect(tokenSchemeOf({ family: 'gpt_neox', name: 'pythia-demo' })).toBe('pythia');
    expect(tokenSchemeOf({ name: 'm', source: 'allenai/OLMo-1B-0724-hf' })).toBe('olmo');
    expect(tokenSchemeOf({ name: 'm', source: 'bigscience/bloom-1b1-intermediate' })).toBe('bloom');
    expect(tokenSchemeOf({ family: 'gpt_neox', name: 'demo-lm', source: '/data/demo-lm' })).toBe('none');
  });
});
