import { describe, expect, it } from 'vitest';
import {
  defaultBundlePath,
  defaultExportPath,
  isAbsolutePath,
  joinPath,
  slug,
  timeStamp,
  withFormatExtension,
} from '../../../src/renderer/review/export-path';

const when = new Date(2025, 0, 2, 13, 4, 5);

describe('default export paths', () => {
  it('puts tables in the data folder, named by run, task and local time', () => {
    expect(timeStamp(when)).toBe('20250102-130405');
    expect(
      defaultExportPath('/home/u/.crosscoder-workbench', 'demo run', 'sv_pp_attractor.eng', 'csv', when),
    ).toBe('/home/u/.crosscoder-workbench/demo-run-sv_pp_attractor.eng-20250102-130405.csv');
    expect(defaultExportPath('/data/', 'r', null, 'latex', when)).toBe('/data/r-20250102-130405.tex');
    expect(defaultExportPath('/data', 'r', '', 'jsonl', when)).toMatch(/\/data\/r-\d{8}-\d{6}\.jsonl$/);
    expect(defaultExportPath('/data', 'r', 't', 'md', when)).toMatch(/\.md$/);
  });

  it('keeps a Windows data folder’s backslashes', () => {
    expect(defaultExportPath('C:\\Users\\u\\ctt', 'r', 't', 'csv', when)).toBe(
      'C:\\Users\\u\\ctt\\r-t-20250102-130405.csv',
    );
    expect(joinPath('C:\\data\\', 'bundles', 'x.sqlite')).toBe('C:\\data\\bundles\\x.sqlite');
  });

  it('makes file-name-safe words', () => {
    expect(slug('my run: v2 / final')).toBe('my-run-v2-final');
    expect(slug('  ')).toBe('export');
    expect(slug('../../etc')).toBe('etc');
  });

  it('swaps a known extension for the format’s, or appends one', () => {
    expect(withFormatExtension('/out/table.csv', 'latex')).toBe('/out/table.tex');
    expect(withFormatExtension('/out/table.TEX', 'md')).toBe('/out/table.md');
    expect(withFormatExtension('/out/table', 'jsonl')).toBe('/out/table.jsonl');
    expect(withFormatExtension('/out/table.txt', 'csv')).toBe('/out/table.txt.csv');
  });

  it('names bundles in the data folder', () => {
    expect(defaultBundlePath('/data', when)).toBe('/data/review-bundle-20250102-130405.sqlite');
  });

  it('recognises absolute paths on POSIX and Windows', () => {
    expect(isAbsolutePath('/tmp/x.csv')).toBe(true);
    expect(isAbsolutePath('C:\\x.csv')).toBe(true);
    expect(isAbsolutePath('c:/x.csv')).toBe(true);
    expect(isAbsolutePath('\\\\server\\share\\x.csv')).toBe(true);
    expect(isAbsolutePath('x.csv')).toBe(false);
    expect(isAbsolutePath('./x.csv')).toBe(false);
    expect(isAbsolutePath('')).toBe(false);
  });
});
