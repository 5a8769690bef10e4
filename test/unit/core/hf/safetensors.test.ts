import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bfloat16BitsToFloat32,
  float16BitsToFloat32,
  float32ToBfloat16Bits,
  float32ToFloat16Bits,
  ModelFileError,
  readSafetensors,
  readSafetensorsHeader,
  writeSafetensors,
} from '../../../../src/core/hf/safetensors';
import { createTmpDirs } from '../../../helpers/tmp-dir';

const tmp = createTmpDirs('ctt-safetensors-');
afterAll(() => tmp.cleanup());

/** A safetensors file built by hand: header JSON (unpadded unless asked) + raw data bytes. */
function rawFile(header: Record<string, unknown>, data: Uint8Array, options: { pad?: boolean } = {}): string {
  let json = JSON.stringify(header);
  if (options.pad === true) json += ' '.repeat((8 - (json.length % 8)) % 8);
  const jsonBytes = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(jsonBytes.length));
  const path = join(tmp.make(), 'raw.safetensors');
  writeFileSync(path, Buffer.concat([prefix, jsonBytes, data]));
  return path;
}

const f32Bytes = (values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);

async function expectModelFileError(promise: Promise<unknown>, pattern: RegExp): Promise<ModelFileError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ModelFileError);
  expect((error as ModelFileError).message).toMatch(pattern);
  return error as ModelFileError;
}

describe('fp16 conversions', () => {
  it('encodes hand-computed bit patterns', () => {
    expect(float32ToFloat16Bits(1)).toBe(0x3c00);
    expect(float32ToFloat16Bits(-2)).toBe(0xc000);
    expect(float32ToFloat16Bits(65504)).toBe(0x7bff);
    expect(float32ToFloat16Bits(2 ** -24)).toBe(0x0001);
    expect(float32ToFloat16Bits(2 ** -14)).toBe(0x0400);
    expect(float32ToFloat16Bits(1023 * 2 ** -24)).toBe(0x03ff);
    expect(float32ToFloat16Bits(0)).toBe(0x0000);
    expect(float32ToFloat16Bits(-0)).toBe(0x8000);
    expect(float32ToFloat16Bits(Infinity)).toBe(0x7c00);
    expect(float32ToFloat16Bits(-Infinity)).toBe(0xfc00);
    const nan = float32ToFloat16Bits(NaN);
    expect(nan & 0x7c00).toBe(0x7c00);
    expect(nan & 0x3ff).not.toBe(0);
  });

  it('rounds to nearest even, to inf on overflow and to zero below half the smallest subnormal', () => {
    expect(float32ToFloat16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie between 0x3C00 and 0x3C01 → even
    expect(float32ToFloat16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02); // tie between 0x3C01 and 0x3C02 → even
    expect(float32ToFloat16Bits(1 + 2 ** -11 + 2 ** -20)).toBe(0x3c01); // just above the tie
    expect(float32ToFloat16Bits(65519)).toBe(0x7bff);
    expect(float32ToFloat16Bits(65520)).toBe(0x7c00);
    expect(float32ToFloat16Bits(1e6)).toBe(0x7c00);
    expect(float32ToFloat16Bits(2 ** -25)).toBe(0x0000); // tie between 0 and 2^-24 → even (0)
    expect(float32ToFloat16Bits(1.5 * 2 ** -25)).toBe(0x0001);
    expect(float32ToFloat16Bits(3 * 2 ** -25)).toBe(0x0002); // tie between 1 and 2 subnormal units → even
    expect(float32ToFloat16Bits(-(2 ** -26))).toBe(0x8000);
    expect(float32ToFloat16Bits(2 ** -14 * (1 - 2 ** -12))).toBe(0x0400); // rounds up into the normals
  });

  it('decodes subnormals, ±0, ±inf and NaN', () => {
    expect(float16BitsToFloat32(0x3c00)).toBe(1);
    expect(float16BitsToFloat32(0x7bff)).toBe(65504);
    expect(float16BitsToFloat32(0x0001)).toBe(2 ** -24);
    expect(float16BitsToFloat32(0x03ff)).toBe(1023 * 2 ** -24);
    expect(Object.is(float16BitsToFloat32(0x8000), -0)).toBe(true);
    expect(float16BitsToFloat32(0x7c00)).toBe(Infinity);
    expect(float16BitsToFloat32(0xfc00)).toBe(-Infinity);
    expect(float16BitsToFloat32(0x7e00)).toBeNaN();
    expect(float16BitsToFloat32(0x3555)).toBeCloseTo(1 / 3, 3);
  });

  it('round-trips every non-NaN fp16 bit pattern exactly', () => {
    for (let bits = 0; bits < 65536; bits++) {
      const value = float16BitsToFloat32(bits);
      if (Number.isNaN(value)) continue;
      if (float32ToFloat16Bits(value) !== bits) throw new Error(`0x${bits.toString(16)} did not round-trip`);
    }
  });
});

describe('bf16 conversions', () => {
  it('encodes with round to nearest even', () => {
    expect(float32ToBfloat16Bits(1)).toBe(0x3f80);
    expect(float32ToBfloat16Bits(-2)).toBe(0xc000);
    expect(float32ToBfloat16Bits(1 + 2 ** -8)).toBe(0x3f80); // tie → even
    expect(float32ToBfloat16Bits(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie → even
    expect(float32ToBfloat16Bits(Infinity)).toBe(0x7f80);
    expect(float32ToBfloat16Bits(3.4028234663852886e38)).toBe(0x7f80); // max float32 rounds up to inf
    expect(float32ToBfloat16Bits(-0)).toBe(0x8000);
    expect(bfloat16BitsToFloat32(float32ToBfloat16Bits(NaN))).toBeNaN();
    expect(bfloat16BitsToFloat32(0x3f80)).toBe(1);
    expect(bfloat16BitsToFloat32(0x4049)).toBe(3.140625);
  });
});

describe('writeSafetensors / readSafetensors', () => {
  const values = [1, -2, 0.1, 65504, 2 ** -24, -0, 3.3e-8, 1e5];

  it('round-trips F32, F16, BF16 and I32 with a padded header, sorted names and metadata', async () => {
    const path = join(tmp.make(), 'w.safetensors');
    await writeSafetensors(
      path,
      {
        'z.f32': { shape: [2, 4], data: new Float32Array(values) },
        'a.f16': { shape: [8], data: new Float32Array(values), dtype: 'F16' },
        'm.bf16': { shape: [4, 2], data: new Float32Array(values), dtype: 'BF16' },
        'b.i32': { shape: [3], data: new Int32Array([-7, 0, 2147483647]) },
      },
      { format: 'pt' },
    );
    const bytes = readFileSync(path);
    const headerBytes = Number(bytes.readBigUInt64LE(0));
    expect(headerBytes % 8).toBe(0);
    const header = await readSafetensorsHeader(path);
    expect(header.metadata).toEqual({ format: 'pt' });
    expect([...header.tensors.keys()]).toEqual(['a.f16', 'b.i32', 'm.bf16', 'z.f32']);
    expect(header.tensors.get('a.f16')).toMatchObject({ dtype: 'F16', begin: 0, end: 16 });
    // 1.0 in fp16 is 0x3C00 → bytes 00 3C; -2 → 0xC000.
    expect(bytes.readUInt16LE(header.dataOffset)).toBe(0x3c00);
    expect(bytes.readUInt16LE(header.dataOffset + 2)).toBe(0xc000);
    expect(bytes.readUInt16LE(header.dataOffset + 6)).toBe(0x7bff);
    expect(bytes.readUInt16LE(header.dataOffset + 8)).toBe(0x0001);
    const mBegin = header.dataOffset + header.tensors.get('m.bf16')!.begin;
    expect(bytes.readUInt16LE(mBegin)).toBe(0x3f80);

    const tensors = await readSafetensors(path);
    expect([...tensors.get('z.f32')!.data]).toEqual([...new Float32Array(values)]);
    expect(tensors.get('z.f32')!.shape).toEqual([2, 4]);
    const f16 = tensors.get('a.f16')!;
    expect(f16.storedDtype).toBe('F16');
    expect(f16.data).toBeInstanceOf(Float32Array);
    expect([...f16.data]).toEqual(values.map((v) => float16BitsToFloat32(float32ToFloat16Bits(v))));
    expect([...tensors.get('m.bf16')!.data]).toEqual(
      values.map((v) => bfloat16BitsToFloat32(float32ToBfloat16Bits(v))),
    );
    const ints = tensors.get('b.i32')!;
    expect(ints.data).toBeInstanceOf(Int32Array);
    expect([...ints.data]).toEqual([-7, 0, 2147483647]);
  });

  it('reads only the names asked for and names a missing tensor', async () => {
    const path = join(tmp.make(), 'w.safetensors');
    await writeSafetensors(path, {
      a: { shape: [2], data: new Float32Array([1, 2]) },
      b: { shape: [1], data: new Float32Array([3]) },
    });
    const only = await readSafetensors(path, { names: ['b'] });
    expect([...only.keys()]).toEqual(['b']);
    await expectModelFileError(readSafetensors(path, { names: ['c'] }), /has no tensor "c"/);
  });

  it('leaves no temporary file behind and writes nothing when a tensor is malformed', async () => {
    const dir = tmp.make();
    const path = join(dir, 'w.safetensors');
    await writeSafetensors(path, { a: { shape: [1], data: new Float32Array([1]) } });
    expect(readdirSync(dir)).toEqual(['w.safetensors']);
    await expect(
      writeSafetensors(join(dir, 'bad.safetensors'), { a: { shape: [3], data: new Float32Array([1]) } }),
    ).rejects.toThrow(/shape \[3\] does not match 1 values/);
    await expect(
      writeSafetensors(join(dir, 'bad.safetensors'), {
        a: { shape: [1], data: new Int32Array([1]), dtype: 'F16' },
      }),
    ).rejects.toThrow(/dtype F16/);
    expect(readdirSync(dir)).toEqual(['w.safetensors']);
  });

  it('reads tensors at unaligned offsets and converts F64, I64, I16, I8, U8 and BOOL', async () => {
    const f64 = new Uint8Array(new Float64Array([0.5, -1.25]).buffer);
    const i64 = new Uint8Array(new BigInt64Array([-3n, 2147483647n]).buffer);
    const i16 = new Uint8Array(new Int16Array([-300, 300]).buffer);
    const data = new Uint8Array([
      0xaa, // one stray byte so everything after it is unaligned
      ...f32Bytes([1.5, -2.5]),
      ...f64,
      ...i64,
      ...i16,
      0xff, // I8 -1
      0xff, // U8 255
      0x01, // BOOL true
    ]);
    const header = {
      f32: { dtype: 'F32', shape: [2], data_offsets: [1, 9] },
      f64: { dtype: 'F64', shape: [2], data_offsets: [9, 25] },
      i64: { dtype: 'I64', shape: [2], data_offsets: [25, 41] },
      i16: { dtype: 'I16', shape: [2], data_offsets: [41, 45] },
      i8: { dtype: 'I8', shape: [1], data_offsets: [45, 46] },
      u8: { dtype: 'U8', shape: [1], data_offsets: [46, 47] },
      flag: { dtype: 'BOOL', shape: [], data_offsets: [47, 48] },
    };
    const tensors = await readSafetensors(rawFile(header, data));
    expect([...tensors.get('f32')!.data]).toEqual([1.5, -2.5]);
    expect([...tensors.get('f64')!.data]).toEqual([0.5, -1.25]);
    expect(tensors.get('f64')!.data).toBeInstanceOf(Float32Array);
    expect([...tensors.get('i64')!.data]).toEqual([-3, 2147483647]);
    expect(tensors.get('i64')!.data).toBeInstanceOf(Int32Array);
    expect([...tensors.get('i16')!.data]).toEqual([-300, 300]);
    expect([...tensors.get('i8')!.data]).toEqual([-1]);
    expect([...tensors.get('u8')!.data]).toEqual([255]);
    expect(tensors.get('flag')).toEqual({ shape: [], data: new Int32Array([1]), storedDtype: 'BOOL' });
  });

  it('rejects I64 values that do not fit int32', async () => {
    const data = new Uint8Array(new BigInt64Array([1n, 2n ** 40n]).buffer);
    const path = rawFile({ ids: { dtype: 'I64', shape: [2], data_offsets: [0, 16] } }, data);
    await expectModelFileError(readSafetensors(path), /I64 value 1099511627776 at index 1/);
  });
});

describe('readSafetensorsHeader validation', () => {
  const oneTensor = { x: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] } };

  it('accepts a valid hand-built file', async () => {
    const header = await readSafetensorsHeader(rawFile(oneTensor, new Uint8Array(24), { pad: true }));
    expect(header.tensors.get('x')).toEqual({ name: 'x', dtype: 'F32', shape: [2, 3], begin: 0, end: 24 });
  });

  it('says "truncated" for a file shorter than the length prefix', async () => {
    const path = join(tmp.make(), 'short.safetensors');
    writeFileSync(path, Buffer.from([1, 2, 3]));
    const error = await expectModelFileError(readSafetensorsHeader(path), /truncated/);
    expect(error.file).toBe(path);
    expect(error.message.startsWith(`${path}: `)).toBe(true);
  });

  it('says "truncated" when the data section is cut short', async () => {
    await expectModelFileError(
      readSafetensorsHeader(rawFile(oneTensor, new Uint8Array(20))),
      /truncated: tensor "x" ends at data byte 24 but the data section has only 20 bytes/,
    );
  });

  it('rejects a header length beyond the file and an implausible one', async () => {
    const path = join(tmp.make(), 'long.safetensors');
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(1000n);
    writeFileSync(path, Buffer.concat([prefix, Buffer.from('{}')]));
    await expectModelFileError(
      readSafetensorsHeader(path),
      /truncated: header length 1000 runs past the end/,
    );
    prefix.writeBigUInt64LE(2n ** 40n);
    writeFileSync(path, Buffer.concat([prefix, Buffer.from('{}')]));
    await expectModelFileError(readSafetensorsHeader(path), /implausible/);
  });

  it('rejects a header that is not JSON', async () => {
    const path = join(tmp.make(), 'json.safetensors');
    const prefix = Buffer.alloc(8);
    prefix.writeBigUInt64LE(5n);
    writeFileSync(path, Buffer.concat([prefix, Buffer.from('{"x":')]));
    await expectModelFileError(readSafetensorsHeader(path), /header is not valid JSON/);
  });

  it('rejects an unknown dtype', async () => {
    const path = rawFile({ x: { dtype: 'F8_E4M3', shape: [2], data_offsets: [0, 2] } }, new Uint8Array(2));
    await expectModelFileError(readSafetensorsHeader(path), /tensor "x" has unsupported dtype "F8_E4M3"/);
  });

  it('rejects a non-integer shape', async () => {
    const path = rawFile({ x: { dtype: 'F32', shape: [1.5], data_offsets: [0, 4] } }, new Uint8Array(4));
    await expectModelFileError(readSafetensorsHeader(path), /shape \[1.5\] is not a list of integers/);
  });

  it('rejects a byte size that disagrees with the shape', async () => {
    const path = rawFile({ x: { dtype: 'F32', shape: [2, 3], data_offsets: [0, 12] } }, new Uint8Array(24));
    await expectModelFileError(
      readSafetensorsHeader(path),
      new RegExp(
        `^${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: tensor "x" declares 12 bytes but its shape \\[2,3\\] in F32 needs 24$`,
      ),
    );
  });

  it('rejects overlapping data offsets', async () => {
    const header = {
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
    };
    await expectModelFileError(
      readSafetensorsHeader(rawFile(header, new Uint8Array(12))),
      /"a".*"b".*overlap/,
    );
  });

  it('names a missing file', async () => {
    const path = join(tmp.make(), 'absent.safetensors');
    await expectModelFileError(readSafetensorsHeader(path), /file not found/);
  });
});
