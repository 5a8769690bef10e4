import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ExportService } from '../../../../src/main/services/export-service';
import { readCsvTable } from '../../../../src/core/review/csv-reader';
import { exportColumns } from '../../../../src/core/review/export-table';
import type { AnnotationsCsvImportResult, ExportResult } from '../../../../src/shared/review';
import { decodeRow } from '../../../helpers/latex-rows';
import { fieldsOf, reviewProject, reviewRunId, type ReviewProject } from '../../../helpers/review-fixtures';
import { createTmpDirs } from '../../../helpers/tmp-dir';
import { allSpecials } from '../../core/review/table-fixtures';

// Exports (CSV, JSONL, LaTeX, Markdown with provenance) and annotation imports (the study's CSV
// columns, our JSONL): round trip, refusals that name file / row / column and import nothing.

const tmp = createTmpDirs('ctt-export-service-');
const projects: ReviewProject[] = [];
afterEach(async () => {
  for (const p of projects.splice(0)) await p.workbench.close();
  tmp.cleanup();
});
const runId = reviewRunId;
const hasPdflatex = spawnSync('pdflatex', ['--version'], { encoding: 'utf8' }).status === 0;
const fixedNow = () => new Date('2025-02-03T04:05:06.000Z');

async function project(): Promise<ReviewProject> {
  const p = await reviewProject(tmp.make());
  projects.push(p);
  return p;
}
const service = (p: ReviewProject) =>
  new ExportService({ store: p.workbench.store, appVersion: '9.9.9', now: fixedNow });
const revisionCount = (p: ReviewProject): number =>
  p.workbench.store.db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM annotation_revisions').get()!.n;

/** A few answers by one annotator on the selected features (0, 1, 2, 3, 6). */
function annotate(p: ReviewProject, name = 'ada'): void {
  p.save(0, name, {
    description: 'plural nouns; "quoted", commas',
    interpretability: 0.75,
    complexity: 0.25,
    languages: [
      { code: 'fra', isTentative: true, isCustom: false },
      { code: 'eng', isTentative: false, isCustom: false },
    ],
  });
  p.save(1, name, { isUninterpretable: true });
  p.save(2, name, {
    description: '=SUM(A1) looks like a formula',
    lifecycleOverride: 'maintained',
    isAllLanguages: true,
  });
  p.save(3, name, { description: 'uninterpretable but noted', isUninterpretable: true, complexity: 1 });
  p.save(6, name, { description: 'draft only', status: 'draft' });
}

describe('export', () => {
  it('writes every format with provenance; the run config hash is sha256 of the stored config', async () => {
    const p = await project();
    annotate(p);
    const dir = tmp.make();
    const configJson = p.workbench.store.review.runConfigJson(runId);
    const hash = createHash('sha256').update(configJson).digest('hex');
    for (const format of ['csv', 'jsonl', 'latex', 'md'] as const) {
      const path = join(dir, `table.${format}`);
      const result = await p.value<ExportResult>('export:write', { runId, format, path });
      expect(result).toMatchObject({ path, format, rows: 5, attributionId: 'attr-1' });
      const text = readFileSync(path, 'utf8');
      if (format === 'jsonl') {
        const header = JSON.parse(text.split('\n')[0]!) as {
          type: string;
          provenance: Record<string, unknown>;
        };
        expect(header.type).toBe('provenance');
        expect(header.provenance).toMatchObject({
          model: 'demo',
          layer: 1,
          runConfigHash: `sha256:${hash}`,
          thresholds: { low: 0.3, high: 0.7 },
          task: 'sv_pp_attractor.eng',
          annotators: ['ada'],
        });
        continue;
      }
      expect(text, format).toContain(`run config hash: sha256:${hash}`);
      expect(text, format).toContain(
        'revisions: step100 (1000000 tokens seen), step200 (2000000 tokens seen)',
      );
      expect(text, format).toContain('thresholds: t_low 0.3, t_high 0.7');
      expect(text, format).toContain('model: demo');
      expect(text, format).toContain('layer: 1');
    }
    const csv = readCsvTable(
      readFileSync(join(dir, 'table.csv')),
      exportColumns(
        [
          { revision: 'step100', tokensSeen: 1e6 },
          { revision: 'step200', tokensSeen: 2e6 },
          { revision: 'step300', tokensSeen: 3e6 },
        ],
        false,
      ),
    );
    expect(csv.rows.map((r) => [r.feat_id, r.category, r.description, r.languages, r.record])).toEqual([
      [0, 'discontinued', 'plural nouns; "quoted", commas', 'eng,fra*', 'single'],
      [1, 'emerged-late', '-', '', 'single'],
      [2, 'emerged-mid', '=SUM(A1) looks like a formula', 'all', 'single'],
      [3, 'maintained', 'uninterpretable but noted', '', 'single'],
      [6, 'emerged-mid', '', '', 'none'], // a draft is not exported
    ]);
    expect(csv.rows[0]!.ie_step300).toBe(0);
    expect(csv.rows[2]!.lifecycle_label).toBe('maintained');
    expect(readFileSync(join(dir, 'table.csv'), 'utf8')).toContain(`'=SUM(A1)`); // injection guard
    const md = readFileSync(join(dir, 'table.md'), 'utf8');
    expect(md).toContain('### 1M specific (discontinued)');
  });

  it('uses the gold record when there is one, else the consensus of done answers', async () => {
    const p = await project();
    p.save(0, 'ada', {
      description: 'a',
      interpretability: 0.4,
      complexity: 0.2,
      languages: [{ code: 'eng', isTentative: false, isCustom: false }],
    });
    p.save(0, 'bob', {
      description: 'b',
      interpretability: 0.8,
      complexity: 0.4,
      languages: [{ code: 'eng', isTentative: true, isCustom: false }],
    });
    p.save(1, 'ada', { description: 'one', interpretability: 0.5 });
    p.save(1, 'bob', { description: 'one b', interpretability: 0.5 });
    await p.value('adjudication:save', {
      featureId: p.idOf(1),
      adjudicatorId: p.annotator('rev'),
      fields: fieldsOf({ description: 'gold one', interpretability: 0.9 }),
      rationale: 'clearer',
    });
    const rows = service(p)
      .render({ runId, features: 'selected' }, 'jsonl')
      .text.trim()
      .split('\n')
      .slice(1)
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(rows[0]).toMatchObject({
      feat_id: 0,
      description: 'b', // the higher interpretability
      interpretability: 0.6000000000000001,
      complexity: 0.30000000000000004,
      languages: 'eng*',
      annotators: 'ada; bob',
      n_annotators: 2,
      record: 'consensus',
    });
    expect(rows[1]).toMatchObject({
      feat_id: 1,
      description: 'gold one',
      interpretability: 0.9,
      record: 'gold',
    });
    // Agreement is the annotators' (not the gold record's): same label, same rating, no complexity → 1.
    expect(rows[1]!.agreement).toBe(1);
  });

  it('LaTeX output of descriptions with every special character is compile-safe', async () => {
    const p = await project();
    p.save(0, 'ada', { description: allSpecials.slice(0, 200), interpretability: 0.5 });
    p.save(2, 'ada', { description: '\\input{/etc/passwd} 100% $$ #x ^_^ ~ {}' });
    const text = service(p).render({ runId, features: 'selected' }, 'latex').text;
    const lines = text.split('\n');
    const start = lines.indexOf('\\midrule');
    const body = lines
      .slice(start + 1, lines.indexOf('\\bottomrule'))
      .filter((l) => !l.startsWith('\\midrule') && !l.startsWith('\\multicolumn'));
    expect(body).toHaveLength(5);
    const decoded = body.map(decodeRow);
    const description = (index: number) => decoded.find((cells) => cells[0] === String(index))!;
    const columns = exportColumns(
      [
        { revision: 'a', tokensSeen: null },
        { revision: 'b', tokensSeen: null },
        { revision: 'c', tokensSeen: null },
      ],
      true,
    );
    const at = columns.findIndex((c) => c.key === 'description');
    expect(description(0)[at]).toBe(allSpecials.slice(0, 200).replace(/\r\n|\n/g, ' '));
    expect(description(2)[at]).toBe('\\input{/etc/passwd} 100% $$ #x ^_^ ~ {}');
    expect(text).not.toContain('\\input{/etc');
  });

  it.skipIf(!hasPdflatex)('the LaTeX export compiles with pdflatex (T1, utf8, booktabs)', async () => {
    const p = await project();
    // pdflatex cannot typeset CJK or emoji (the header comment says to use xelatex then).
    p.save(0, 'ada', { description: allSpecials.replace(/[中🙂]/gu, ''), interpretability: 0.5 });
    p.save(2, 'ada', { description: '\\input{/etc/passwd} 100% $$ #x ^_^ ~ {}' });
    const body = service(p).render({ runId, features: 'all' }, 'latex').text;
    const dir = tmp.make();
    const document = [
      '\\documentclass{article}',
      '\\usepackage[T1]{fontenc}',
      '\\usepackage[utf8]{inputenc}',
      '\\usepackage{booktabs}',
      '\\begin{document}',
      body,
      '\\end{document}',
    ].join('\n');
    writeFileSync(join(dir, 'table.tex'), document);
    const run = spawnSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'table.tex'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(run.status, run.stdout.slice(-2000)).toBe(0);
    expect(run.stdout).not.toMatch(/Missing character|Undefined control sequence/);
  });
});

describe('import', () => {
  it('JSONL export → import → identical records', async () => {
    const home = await project();
    annotate(home);
    const file = join(tmp.make(), 'table.jsonl');
    writeFileSync(file, service(home).render({ runId, features: 'selected' }, 'jsonl').text);
    const away = await project();
    const ada = away.annotator('ada');
    const dry = await away.value<AnnotationsCsvImportResult>('import:annotationsCsv', {
      runId,
      annotatorId: ada,
      path: file,
    });
    expect(dry).toMatchObject({ rows: 5, imported: 0, isApplied: false });
    expect(revisionCount(away)).toBe(0);
    const applied = await away.value<AnnotationsCsvImportResult>('import:annotationsCsv', {
      runId,
      annotatorId: ada,
      path: file,
      isDryRun: false,
    });
    // Feature 6 has no done answer at home: its row (empty record) becomes an empty done answer.
    expect(applied).toMatchObject({ rows: 5, imported: 5, isApplied: true });
    const strip = (text: string) => text.trim().split('\n').slice(1);
    const again = service(away).render({ runId, features: 'selected' }, 'jsonl').text;
    const original = readFileSync(file, 'utf8');
    const differing = strip(again).filter((line, i) => line !== strip(original)[i]);
    // Row 6 differs only in having an annotator now.
    expect(differing.map((l) => (JSON.parse(l) as { feat_id: number }).feat_id)).toEqual([6]);
    expect(strip(again).slice(0, 4)).toEqual(strip(original).slice(0, 4));
    for (const index of [0, 1, 2, 3]) {
      const a = home.workbench.store.annotations.latest(home.idOf(index), home.annotator('ada'))!.fields;
      const b = away.workbench.store.annotations.latest(away.idOf(index), ada)!.fields;
      for (const key of [
        'description',
        'isUninterpretable',
        'interpretability',
        'complexity',
        'isAllLanguages',
        'lifecycleOverride',
      ] as const)
        expect(b[key], `${index}.${key}`).toEqual(a[key]);
      const byCode = (tags: typeof a.languages) => [...tags].sort((x, y) => x.code.localeCompare(y.code));
      expect(byCode(b.languages)).toEqual(byCode(a.languages));
    }
    const twice = await away.value<AnnotationsCsvImportResult>('import:annotationsCsv', {
      runId,
      annotatorId: ada,
      path: file,
      isDryRun: false,
    });
    expect(twice).toMatchObject({ imported: 0, unchanged: 5 });
  });

  it("imports the original study's columns", async () => {
    const p = await project();
    const file = join(tmp.make(), 'annotation.csv');
    writeFileSync(
      file,
      [
        ',feat_id,task,layer,comparison,rel_ie_value,description,languages',
        '0,0,sva,8,1B-286B,0.12,plural subjects,"eng, zh*"',
        '1,3,sva,8,1B-286B,[0.3 0.3 0.4],-,',
      ].join('\n'),
    );
    const result = await p.value<AnnotationsCsvImportResult>('import:annotationsCsv', {
      runId,
      annotatorId: p.annotator('study'),
      path: file,
      isDryRun: false,
    });
    expect(result).toMatchObject({
      rows: 2,
      imported: 2,
      ignoredColumns: ['task', 'layer', 'comparison', 'rel_ie_value'],
    });
    expect(result.preview.map((r) => [r.row, r.featureIndex, r.languages])).toEqual([
      [2, 0, 'eng,zho*'],
      [3, 3, ''],
    ]);
    const three = p.workbench.store.annotations.latest(p.idOf(3), p.annotator('study'))!.fields;
    expect(three).toMatchObject({ isUninterpretable: true, description: '', status: 'done' });
  });

  const refusals: [string, string | Buffer, RegExp][] = [
    ['missing columns', 'feat_id,languages\n0,eng\n', /missing required column\(s\): description/],
    [
      'bad UTF-8',
      Buffer.concat([Buffer.from('feat_id,description\n0,caf'), Buffer.from([0xe9]), Buffer.from('\n')]),
      /byte offset \d+, line 2: invalid UTF-8 \(byte 0xE9\)/,
    ],
    [
      'duplicate feature ids',
      'feat_id,description\n0,a\n1,b\n0,c\n',
      /line 4 \(record 3\), column 1 "feat_id": feature 0 appears twice \(first on line 2\)/,
    ],
    [
      'a feature not in the run',
      'feat_id,description\n0,a\n99,b\n',
      /line 3 \(record 2\), column "feat_id": feature 99 is not in run run-1/,
    ],
    [
      'a rating out of range',
      'feat_id,description,interpretability\n0,a,0.5\n1,b,1.5\n',
      /line 3 \(record 2\), column 3 "interpretability": 1.5 is not between 0 and 1/,
    ],
    [
      'an unknown language',
      'feat_id,description,languages\n0,a,eng\n1,b,xx\n',
      /line 3 \(record 2\), column 3 "languages": "xx" is not an ISO 639-1 code/,
    ],
  ];
  for (const [what, content, message] of refusals)
    it(`refuses ${what}, naming file, row and column, and imports nothing`, async () => {
      const p = await project();
      p.save(0, 'ada', { description: 'before' });
      const file = join(tmp.make(), 'bad.csv');
      writeFileSync(file, content);
      const before = revisionCount(p);
      const result = await p.call('import:annotationsCsv', {
        runId,
        annotatorId: p.annotator('ada'),
        path: file,
        isDryRun: false,
      });
      expect(result.ok).toBe(false);
      if (result.ok) return;
      expect(result.error.code).toBe('invalid_input');
      expect(result.error.message.startsWith(`${file}: `)).toBe(true);
      expect(result.error.message).toMatch(message);
      expect(revisionCount(p)).toBe(before);
    });
});
