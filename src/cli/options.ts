import { InvalidArgumentError, Option } from 'commander';
import { backendChain } from '../core/backend';

// Option builders and argument parsers shared by the ctt subcommands.

export const backendOption = (): Option =>
  new Option('--backend <name>', 'tfjs backend (default: CTT_BACKEND, then the saved setting, then auto)')
    .choices(['auto', ...backendChain])
    .env('CTT_BACKEND');

export const engineOption = (): Option =>
  new Option(
    '--engine <name>',
    'crosscoder training engine: native (OpenBLAS), tfjs, or auto (default: CTT_ENGINE, then auto)',
  )
    .choices(['auto', 'native', 'tfjs'])
    .env('CTT_ENGINE');

export const dataDirOption = (): Option =>
  new Option('--data-dir <path>', 'folder of the workbench database and files').env('CTT_DATA_DIR');

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`"${value}" is not a port number (0–65535).`);
  }
  return port;
}

export function parseSizes(value: string): number[] {
  const sizes = value.split(',').map((s) => Number(s.trim()));
  if (sizes.some((n) => !Number.isInteger(n) || n < 8 || n > 4096)) {
    throw new InvalidArgumentError(`"${value}" must be comma-separated integers from 8 to 4096.`);
  }
  return sizes;
}

export function parseIds(value: string): number[] {
  const ids = value.split(',').map((s) => Number(s.trim()));
  if (ids.length === 0 || ids.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new InvalidArgumentError(`"${value}" must be comma-separated non-negative integers.`);
  }
  return ids;
}

export function parseList(value: string): string[] {
  const items = value.split(',').map((s) => s.trim());
  if (items.some((s) => s === ''))
    throw new InvalidArgumentError(`"${value}" must be a comma-separated list.`);
  return items;
}

export function parsePositiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`"${value}" is not a positive integer.`);
  return n;
}

export function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`"${value}" is not a positive number.`);
  return n;
}

export function parseNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError(`"${value}" is not a number.`);
  return n;
}

export function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`"${value}" is not a non-negative integer.`);
  return n;
}
