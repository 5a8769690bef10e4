import { describe, expect, it } from 'vitest';
import { CsvError } from '../../../../src/core/review/csv-reader';
import { importStudyAnnotations } from '../../../../src/core/review/study-annotations';

// Shaped like the study's annotation files (METHOD-REFERENCE.md §8.1–8.2): pandas index column, the
// machine columns of attribution.py, the 3-way RelIE as a numpy repr, and the human fields.
const header =
  ',feat_id,task,layer,version,comparison,seed,ie_value_A,rel_ie_value,rel_ie_class,description,languages';
const threeWay = [
  header,
  '0,101,subjectverb,7,version_454,6B vs. 55B vs. 341B,124,-0.01,[0.32 0.43 0.25],B,detects regular plural nouns,"eng,fra*"',
  '1,7,subjectverb,7,version_454,6B vs. 55B vs. 341B,124,0.2,[0.05       0.1  0.85 ],C,-,all',
  '2,9,subjectverb,7,version_454,6B vs. 55B vs. 341B,124,0.0,"[0.9,0.05,0.05]",A,"relative pronouns, ""qui""\nand ""that""",hin*;zh',
].join('\n');

const errorOf = (text: string | Uint8Array): CsvError => {
  try {
    importStudyAnnotations(text);
  } catch (e) {
    if (e instanceof CsvError) return e;
    throw e;
  }
  throw new Error('expected a CsvError');
};

describe('importing the original study annotation CSVs', () => {
  it('reads ids, descriptions, languages, RelIE vectors and the machine columns', () => {
    const { annotations, header: names } = importStudyAnnotations(`\uFEFF${threeWay}\n`);
    expect(names).toContain('rel_ie_class');
    expect(annotations).toHaveLength(3);
    expect(annotations[0]).toMatchObject({
      line: 2,
      featId: 101,
      description: 'detects regular plural nouns',
      isUninterpretable: false,
      languages: {
        codes: [
          { code: 'eng', isTentative: false },
          { code: 'fra', isTentative: true },
        ],
        isAll: false,
      },
      relIe: [0.32, 0.43, 0.25],
      comparison: '6B vs. 55B vs. 341B',
      version: 'version_454',
      task: 'subjectverb',
      interpretability: null,
    });
    expect(annotations[0]!.raw.ie_value_A).toBe('-0.01');
    expect(annotations[1]).toMatchObject({ featId: 7, isUninterpretable: true, relIe: [0.05, 0.1, 0.85] });
    expect(annotations[1]!.languages).toEqual({ codes: [], isAll: true });
    expect(annotations[2]).toMatchObject({
      featId: 9,
      description: 'relative pronouns, "qui"\nand "that"',
      relIe: [0.9, 0.05, 0.05],
      languages: {
        codes: [
          { code: 'hin', isTentative: true },
          { code: 'zh', isTentative: false },
        ],
      },
    });
  });

  it('reads a 2-way file with a scalar RelIE and the same feature in two comparisons', () => {
    const text = [
      'feat_id,comparison,rel_ie_value,description,interpretability',
      '5,128M vs. 1B,0.12,"token ""ans""",0.8',
      '5,1B vs. 4B,0.91,newline detector,',
    ].join('\r\n');
    const { annotations } = importStudyAnnotations(text);
    expect(
      annotations.map((a) => [a.featId, a.comparison, a.relIe, a.interpretability, a.languages]),
    ).toEqual([
      [5, '128M vs. 1B', 0.12, 0.8, null],
      [5, '1B vs. 4B', 0.91, null, null],
    ]);
  });

  it('all or error: a bad cell anywhere imports nothing and names line, record and column', () => {
    const cases: [string, RegExp][] = [
      [
        'feat_id,description\n1,a\n1,b\n',
        /^line 3 \(record 2\), column 1 "feat_id": feature 1 appears twice \(first on line 2\)/,
      ],
      ['feat_id,description\n1,a\n-3,b\n', /^line 3 \(record 2\), column 1 "feat_id": feature id "-3"/],
      ['feat_id,description\n1.5,a\n', /feature id "1.5" is not a non-negative integer/],
      [
        'feat_id,description,languages\n1,a,eng\n2,b,english\n',
        /^line 3 \(record 2\), column 3 "languages": "english" is not a language code/,
      ],
      ['feat_id,description,languages\n1,a,"eng,eng"\n', /"eng" is listed twice/],
      ['feat_id,description,rel_ie_value\n1,a,[0.1 x 0.2]\n', /column 3 "rel_ie_value": "x" is not a number/],
      ['feat_id,description,rel_ie_value\n1,a,[0.1 0.2\n', /does not close it/],
      ['feat_id,description,rel_ie_value\n1,a,[0.1]\n', /must hold 2 or 3 values/],
      ['feat_id,description,complexity\n1,a,1.5\n', /column 3 "complexity": 1.5 is not between 0 and 1/],
      ['feat_id,languages\n1,eng\n', /^line 1: missing required column\(s\): description/],
      ['id,text\n', /missing required column\(s\): feat_id, description/],
    ];
    for (const [text, message] of cases) expect(errorOf(text).message).toMatch(message);
  });

  it('refuses a Latin-1 file with the byte offset of the first non-UTF-8 byte', () => {
    const prefix = new TextEncoder().encode('feat_id,description\n1,ok\n2,na');
    const bytes = Uint8Array.from([...prefix, 0xef, 0x76, 0x65, 0x0a]); // "naïve" in Latin-1
    const e = errorOf(bytes);
    expect(e.place).toMatchObject({ byteOffset: prefix.length, line: 3 });
  });
});
