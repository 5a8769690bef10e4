import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  changedKeys,
  hashInputs,
  newPipelineState,
  pipelineStateFile,
  readPipelineState,
  stableJson,
  writePipelineState,
} from '../../../../src/core/pipeline/pipeline-state';

describe('pipeline state', () => {
  it('hashes inputs whatever their key order, and names what changed', () => {
    expect(stableJson({ b: 1, a: { d: [2, { y: 1, x: 0 }], c: null } })).toBe(
      '{"a":{"c":null,"d":[2,{"x":0,"y":1}]},"b":1}',
    );
    expect(hashInputs({ a: 1, b: 2 })).toBe(hashInputs({ b: 2, a: 1 }));
    expect(hashInputs({ a: 1, b: 2 })).not.toBe(hashInputs({ a: 1, b: 3 }));
    expect(hashInputs({ a: 1 })).toMatch(/^[0-9a-f]{16}$/);
    expect(changedKeys({ train: 'h1', low: 0.3, high: 0.7 }, { train: 'h1', low: 0.3, high: 0.6 })).toEqual([
      'high',
    ]);
    expect(changedKeys({ x: { y: [1, 2] } }, { x: { y: [1, 3] }, z: 1 })).toEqual(['x.y', 'z']);
    expect(changedKeys(1, 2)).toEqual(['(all)']);
  });

  it('round-trips through the file; an unreadable file counts as none and is reported', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ctt-pipeline-state-'));
    try {
      expect(readPipelineState(dir)).toBeNull();
      const state = newPipelineState('demo', '/x/study.json', new Date('2025-01-01T00:00:00Z'));
      writePipelineState(dir, state, new Date('2025-01-02T00:00:00Z'));
      expect(readPipelineState(dir)).toEqual({ ...state, updatedAt: '2025-01-02T00:00:00.000Z' });
      writeFileSync(join(dir, pipelineStateFile), '{"format": "other"');
      const notes: string[] = [];
      expect(readPipelineState(dir, (why) => notes.push(why))).toBeNull();
      expect(notes[0]).toMatch(/pipeline-state\.json is unreadable .*; starting afresh/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
