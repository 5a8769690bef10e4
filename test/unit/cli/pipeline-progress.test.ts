import { describe, expect, it } from 'vitest';
import { createPipelinePrinter, stageTimesLine } from '../../../src/cli/pipeline-progress';
import type { PipelineResult } from '../../../src/main/pipeline/run-pipeline';

/** A non-TTY stream that keeps what is written. */
function fakeStream(): NodeJS.WriteStream & { text: () => string } {
  let text = '';
  return {
    isTTY: false,
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
    text: () => text,
  } as unknown as NodeJS.WriteStream & { text: () => string };
}

describe('pipeline progress printer', () => {
  it('prints stage starts with the reason, a bar with an ETA from the measured rate, and stage ends', () => {
    const stream = fakeStream();
    let ms = 0;
    const print = createPipelinePrinter(stream, { intervalMs: 1000, clock: () => ms });
    const at = { stage: 'train' as const, index: 3, count: 8 };
    print({ type: 'stage-start', ...at, title: 'crosscoder training', why: 'first run' });
    print({
      type: 'progress',
      ...at,
      fraction: 0.1,
      report: { step: 60, total: 600, message: 'step 60/600' },
    });
    ms = 5000; // 0.1 → 0.3 in 5 s: 0.7 left takes 17.5 s
    print({
      type: 'progress',
      ...at,
      fraction: 0.3,
      report: { step: 180, total: 600, message: 'step 180/600' },
    });
    ms = 5100; // within the interval: not printed
    print({ type: 'progress', ...at, fraction: 0.31, report: { step: 186, total: 600 } });
    print({ type: 'stage-end', ...at, status: 'done', seconds: 20.04, lines: ['600 steps: mse 5.6'] });
    print({
      type: 'stage-end',
      stage: 'study',
      index: 8,
      count: 8,
      status: 'reused',
      seconds: null,
      lines: [],
    });
    expect(stream.text().split('\n')).toEqual([
      '[3/8] train: crosscoder training (first run)',
      '[3/8] train [##......................]  10% step 60/600',
      '[3/8] train [#######.................]  30% ETA 18s step 180/600',
      '[3/8] train done in 20.0 s',
      '      600 steps: mse 5.6',
      '[8/8] study reused (inputs unchanged)',
      '',
    ]);
  });

  it('sums up the stage times', () => {
    const result = {
      stages: [
        { name: 'extract', status: 'reused', seconds: null },
        { name: 'train', status: 'done', seconds: 9.7 },
      ],
      totalSeconds: 10.2,
    } as unknown as PipelineResult;
    expect(stageTimesLine(result)).toBe('stage times: extract (reused), train 9.7 s; total 10.2 s');
  });
});
