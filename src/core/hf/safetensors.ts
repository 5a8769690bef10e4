import { open, rename, unlink } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { endianness } from 'node:os';
import { elementCount } from './host-tensor';
import type { HostTensor } from './host-tensor';

/*
 * The safetensors format (https://github.com/huggingface/safetensors):
 *   [u64 little-endian N][N bytes of JSON header][data section]
 * The header maps tensor names to {dtype, shape, data_offsets:[begin,end]} (offsets relative to the data
 * section) plus an optional "__metadata__" object of strings. Readers here validate the header fully
 * before touching any data, and read only the byte ranges of the tensors asked for: weights can be GBs.
 */

/** A model file (safetensors, config.json, index, tokenizer) that is missing or malformed; names the file. */
export class ModelFileError extends Error {
  readonly file: string;
  constructor(file: string, problem: string) {
    super(`${file}: ${problem}`);
    this.name = 'ModelFileError';
    this.file = file;
  }
}

export const safetensorsDtypes = [
  'F64',
  'F32',
  'F16',
  'BF16',
  'I64',
  'I32',
  'I16',
  'I8',
  'U8',
  'BOOL',
] as const;
export type SafetensorsDtype = (typeof safetensorsDtypes)[number];

export const bytesPerElement: Record<SafetensorsDtype, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
};

export interface SafetensorsTensorInfo {
  name: string;
  dtype: SafetensorsDtype;
  shape: number[];
  /** Byte offsets relative to the start of the data section. */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  file: string;
  fileBytes: number;
  /** Absolute byte offset of the data section: 8 + header length. */
  dataOffset: number;
  metadata: Record<string, string>;
  /** In header order. */
  tensors: Map<string, SafetensorsTensorInfo>;
}

const maxHeaderBytes = 100 * 1024 * 1024;
/** Bytes per fs read call; fs reads are limited to 2 GiB each. */
const readChunkBytes = 256 * 1024 * 1024;

function assertLittleEndianHost(): void {
  if (endianness() !== 'LE') throw new Error('safetensors I/O needs a little-endian host');
}

const isDtype = (value: unknown): value is SafetensorsDtype =>
  typeof value === 'string' && (safetensorsDtypes as readonly string[]).includes(value);

const isCount = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

/** Reads exactly `target.byteLength` bytes at `position`; a short file is "truncated". */
async function readExactly(
  fh: FileHandle,
  file: string,
  target: Uint8Array,
  position: number,
): Promise<void> {
  let done = 0;
  while (done < target.byteLength) {
    const length = Math.min(readChunkBytes, target.byteLength - done);
    const { bytesRead } = await fh.read(target, done, length, position + done);
    if (bytesRead === 0) {
      throw new ModelFileError(file, `truncated: expected ${target.byteLength} bytes at offset ${position}`);
    }
    done += bytesRead;
  }
}

function parseTensorEntry(
  file: string,
  name: string,
  entry: unknown,
  dataBytes: number,
): SafetensorsTensorInfo {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
    throw new ModelFileError(file, `tensor "${name}" header entry is not an object`);
  }
  const { dtype, shape, data_offsets: offsets } = entry as Record<string, unknown>;
  if (!isDtype(dtype)) {
    throw new ModelFileError(
      file,
      `tensor "${name}" has unsupported dtype ${JSON.stringify(dtype)} (supported: ${safetensorsDtypes.join(', ')})`,
    );
  }
  if (!Array.isArray(shape) || !shape.every(isCount)) {
    throw new ModelFileError(
      file,
      `tensor "${name}" shape ${JSON.stringify(shape)} is not a list of integers ≥ 0`,
    );
  }
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isCount)) {
    throw new ModelFileError(
      file,
      `tensor "${name}" data_offsets ${JSON.stringify(offsets)} is not [begin, end]`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end)
    throw new ModelFileError(file, `tensor "${name}" data_offsets [${begin}, ${end}] run backwards`);
  if (end > dataBytes) {
    throw new ModelFileError(
      file,
      `truncated: tensor "${name}" ends at data byte ${end} but the data section has only ${dataBytes} bytes`,
    );
  }
  const neededBytes = elementCount(shape) * bytesPerElement[dtype];
  if (end - begin !== neededBytes) {
    throw new ModelFileError(
      file,
      `tensor "${name}" declares ${end - begin} bytes but its shape [${shape.join(',')}] in ${dtype} needs ${neededBytes}`,
    );
  }
  return { name, dtype, shape: [...shape], begin, end };
}

function parseHeaderJson(
  file: string,
  json: string,
  fileBytes: number,
  dataOffset: number,
): SafetensorsHeader {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (error) {
    throw new ModelFileError(file, `header is not valid JSON (${(error as Error).message})`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ModelFileError(file, 'header is not a JSON object');
  }
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, SafetensorsTensorInfo>();
  const dataBytes = fileBytes - dataOffset;
  for (const [name, entry] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) {
        throw new ModelFileError(file, '__metadata__ is not an object');
      }
      for (const [key, value] of Object.entries(entry as Record<string, unknown>)) {
        if (typeof value !== 'string') throw new ModelFileError(file, `__metadata__.${key} is not a string`);
        metadata[key] = value;
      }
      continue;
    }
    tensors.set(name, parseTensorEntry(file, name, entry, dataBytes));
  }
  const byBegin = [...tensors.values()].filter((t) => t.end > t.begin).sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < byBegin.length; i++) {
    const previous = byBegin[i - 1]!;
    const current = byBegin[i]!;
    if (current.begin < previous.end) {
      throw new ModelFileError(
        file,
        `tensors "${previous.name}" [${previous.begin}, ${previous.end}) and "${current.name}" ` +
          `[${current.begin}, ${current.end}) overlap`,
      );
    }
  }
  return { file, fileBytes, dataOffset, metadata, tensors };
}

async function readHeaderFromHandle(fh: FileHandle, file: string): Promise<SafetensorsHeader> {
  const fileBytes = (await fh.stat()).size;
  if (fileBytes < 8) {
    throw new ModelFileError(file, `truncated: ${fileBytes} bytes, shorter than the 8-byte header length`);
  }
  const prefix = new Uint8Array(8);
  await readExactly(fh, file, prefix, 0);
  const headerBytesBig = new DataView(prefix.buffer).getBigUint64(0, true);
  if (headerBytesBig >= BigInt(maxHeaderBytes)) {
    throw new ModelFileError(
      file,
      `header length ${headerBytesBig} is implausible (limit 100 MB): not safetensors?`,
    );
  }
  const headerBytes = Number(headerBytesBig);
  if (8 + headerBytes > fileBytes) {
    throw new ModelFileError(
      file,
      `truncated: header length ${headerBytes} runs past the end of the file (${fileBytes} bytes)`,
    );
  }
  const headerUtf8 = new Uint8Array(headerBytes);
  await readExactly(fh, file, headerUtf8, 8);
  const json = new TextDecoder('utf-8', { fatal: false }).decode(headerUtf8);
  return parseHeaderJson(file, json, fileBytes, 8 + headerBytes);
}

/** Reads and validates the header of a safetensors file, without reading tensor data. */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  const fh = await openForRead(path);
  try {
    return await readHeaderFromHandle(fh, path);
  } finally {
    await fh.close();
  }
}

async function openForRead(path: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new ModelFileError(
      path,
      code === 'ENOENT' ? 'file not found' : `cannot open (${code ?? String(error)})`,
    );
  }
}

// ---------- fp16 / bf16 bit conversions ----------

const scratchF32 = new Float32Array(1);
const scratchU32 = new Uint32Array(scratchF32.buffer);

/** IEEE 754 binary16 bits → number, exact (subnormals, ±0, ±inf, NaN). */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** float32 → binary16 bits, round to nearest even; overflow → ±inf, NaN stays a quiet NaN. */
export function float32ToFloat16Bits(value: number): number {
  scratchF32[0] = value;
  return float32BitsToFloat16Bits(scratchU32[0]!);
}

function float32BitsToFloat16Bits(x: number): number {
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  const mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa !== 0 ? 0x200 | (mantissa >>> 13) : 0);
  const e = exponent - 127 + 15;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: ±0
    const m = mantissa | 0x800000;
    const shift = 14 - e;
    let half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const halfway = 1 << (shift - 1);
    if (rest > halfway || (rest === halfway && (half & 1) === 1)) half++;
    return sign | half; // a carry lands on the smallest normal, which is right
  }
  let half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1)) half++;
  return half >= 0x7c00 ? sign | 0x7c00 : sign | half;
}

/** float32 → bfloat16 bits, round to nearest even; NaN stays a quiet NaN. */
export function float32ToBfloat16Bits(value: number): number {
  scratchF32[0] = value;
  return float32BitsToBfloat16Bits(scratchU32[0]!);
}

function float32BitsToBfloat16Bits(x: number): number {
  if ((x & 0x7fffffff) > 0x7f800000) return ((x >>> 16) | 0x40) & 0xffff;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

export function bfloat16BitsToFloat32(bits: number): number {
  scratchU32[0] = (bits & 0xffff) << 16;
  return scratchF32[0]!;
}

let float16Table: Float32Array | null = null;
function getFloat16Table(): Float32Array {
  if (float16Table === null) {
    float16Table = new Float32Array(65536);
    for (let bits = 0; bits < 65536; bits++) float16Table[bits] = float16BitsToFloat32(bits);
  }
  return float16Table;
}

// ---------- reading ----------

function decodeTensor(
  file: string,
  info: SafetensorsTensorInfo,
  bytes: Uint8Array,
): Float32Array | Int32Array {
  const n = elementCount(info.shape);
  const buffer = bytes.buffer as ArrayBuffer; // freshly allocated: offset 0, aligned for every dtype
  switch (info.dtype) {
    case 'F32':
      return new Float32Array(buffer, 0, n);
    case 'F16': {
      const table = getFloat16Table();
      const halves = new Uint16Array(buffer, 0, n);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = table[halves[i]!]!;
      return out;
    }
    case 'BF16': {
      const halves = new Uint16Array(buffer, 0, n);
      const out = new Float32Array(n);
      const outBits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) outBits[i] = halves[i]! << 16;
      return out;
    }
    case 'F64':
      return Float32Array.from(new Float64Array(buffer, 0, n));
    case 'I64': {
      const wide = new BigInt64Array(buffer, 0, n);
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const value = wide[i]!;
        if (value > 2147483647n || value < -2147483648n) {
          throw new ModelFileError(
            file,
            `tensor "${info.name}" has I64 value ${value} at index ${i}: too big for int32`,
          );
        }
        out[i] = Number(value);
      }
      return out;
    }
    case 'I32':
      return new Int32Array(buffer, 0, n);
    case 'I16':
      return Int32Array.from(new Int16Array(buffer, 0, n));
    case 'I8':
      return Int32Array.from(new Int8Array(buffer, 0, n));
    case 'U8':
    case 'BOOL':
      return Int32Array.from(new Uint8Array(buffer, 0, n));
  }
}

/**
 * Reads tensors (all, or only `names`) into host memory: floating dtypes as float32, integer dtypes as
 * int32. Only the byte ranges of the requested tensors are read.
 */
export async function readSafetensors(
  path: string,
  options: { names?: readonly string[] } = {},
): Promise<Map<string, HostTensor>> {
  assertLittleEndianHost();
  const fh = await openForRead(path);
  try {
    const header = await readHeaderFromHandle(fh, path);
    const names = options.names ?? [...header.tensors.keys()];
    const result = new Map<string, HostTensor>();
    for (const name of names) {
      const info = header.tensors.get(name);
      if (info === undefined) {
        throw new ModelFileError(path, `has no tensor "${name}" (it holds ${header.tensors.size} tensors)`);
      }
      // Read into a fresh, aligned buffer: offsets in the file need not be aligned to the element size.
      const bytes = new Uint8Array(info.end - info.begin);
      await readExactly(fh, path, bytes, header.dataOffset + info.begin);
      result.set(name, {
        shape: [...info.shape],
        data: decodeTensor(path, info, bytes),
        storedDtype: info.dtype,
      });
    }
    return result;
  } finally {
    await fh.close();
  }
}

// ---------- writing ----------

export type SafetensorsWriteDtype = 'F32' | 'F16' | 'BF16' | 'I32';

export interface SafetensorsWriteTensor {
  shape: number[];
  data: Float32Array | Int32Array;
  /** Default: F32 for Float32Array data, I32 for Int32Array data. */
  dtype?: SafetensorsWriteDtype;
}

function encodeTensor(
  name: string,
  tensor: SafetensorsWriteTensor,
): { dtype: SafetensorsWriteDtype; bytes: Uint8Array } {
  const isFloat = tensor.data instanceof Float32Array;
  const dtype = tensor.dtype ?? (isFloat ? 'F32' : 'I32');
  if (!tensor.shape.every(isCount) || elementCount(tensor.shape) !== tensor.data.length) {
    throw new Error(
      `tensor "${name}": shape [${tensor.shape.join(',')}] does not match ${tensor.data.length} values`,
    );
  }
  if ((dtype === 'I32') === isFloat) {
    throw new Error(`tensor "${name}": dtype ${dtype} does not fit ${tensor.data.constructor.name} data`);
  }
  const { data } = tensor;
  if (dtype === 'F32' || dtype === 'I32') {
    return { dtype, bytes: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
  }
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const halves = new Uint16Array(data.length);
  const convert = dtype === 'F16' ? float32BitsToFloat16Bits : float32BitsToBfloat16Bits;
  for (let i = 0; i < bits.length; i++) halves[i] = convert(bits[i]!);
  return { dtype, bytes: new Uint8Array(halves.buffer) };
}

async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  let done = 0;
  while (done < bytes.byteLength) {
    const length = Math.min(readChunkBytes, bytes.byteLength - done);
    const { bytesWritten } = await fh.write(bytes, done, length);
    done += bytesWritten;
  }
}

/**
 * Writes tensors in sorted name order, the header padded with spaces to a multiple of 8 bytes.
 * Atomic: writes `${path}.tmp-<pid>` and renames it, so a crash never leaves a half-written file.
 */
export async function writeSafetensors(
  path: string,
  tensors: Record<string, SafetensorsWriteTensor>,
  metadata?: Record<string, string>,
): Promise<void> {
  assertLittleEndianHost();
  const names = Object.keys(tensors).sort();
  const encoded = names.map((name) => encodeTensor(name, tensors[name]!));
  const header: Record<string, unknown> = {};
  if (metadata !== undefined) header['__metadata__'] = metadata;
  let offset = 0;
  names.forEach((name, i) => {
    const { dtype, bytes } = encoded[i]!;
    header[name] = { dtype, shape: tensors[name]!.shape, data_offsets: [offset, offset + bytes.byteLength] };
    offset += bytes.byteLength;
  });
  let json = JSON.stringify(header);
  const jsonBytes = Buffer.byteLength(json, 'utf8');
  json += ' '.repeat((8 - (jsonBytes % 8)) % 8);
  const headerUtf8 = Buffer.from(json, 'utf8');
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(headerUtf8.byteLength));

  const tmpPath = `${path}.tmp-${process.pid}`;
  const fh = await open(tmpPath, 'w');
  try {
    await writeAll(fh, prefix);
    await writeAll(fh, headerUtf8);
    for (const { bytes } of encoded) await writeAll(fh, bytes);
    await fh.sync();
    await fh.close();
    await rename(tmpPath, path);
  } catch (error) {
    await fh.close().catch(() => undefined);
    await unlink(tmpPath).catch(() => undefined);
    throw error;
  }
}
