// Argument checks every backend applies the same way: object names that are safe as file names and
// object keys, and byte ranges that lie inside the object (a short read is an error, never silent).

import { BackendError, FILE_TYPES, handleToString, type FileType, type Handle } from './backend.js';

/** Temporary files start with this; object names may not start with "." so they can never collide. */
export const TEMP_PREFIX = '.tmp-';

export function checkType(type: FileType, location: string): void {
  if (!(FILE_TYPES as readonly string[]).includes(type)) {
    throw new BackendError('permanent', `unknown object type "${String(type)}" for repository at ${location}`);
  }
}

/**
 * Names are 1–255 characters without "/", "\\" or NUL and do not start with "." (that excludes ".", ".."
 * and temporary files). Data names need at least two characters: the local layout shards on them.
 * The name of a `config` handle is ignored: there is one config object.
 */
export function checkHandle(h: Handle, location: string): void {
  checkType(h.type, location);
  if (h.type === 'config') return;
  const name = h.name;
  const bad =
    typeof name !== 'string' ||
    name.length === 0 ||
    name.length > 255 ||
    name.startsWith('.') ||
    /[/\\\0]/.test(name) ||
    (h.type === 'data' && name.length < 2);
  if (bad) {
    throw new BackendError(
      'permanent',
      `invalid object name ${JSON.stringify(name)} for ${h.type} in repository at ${location}`,
    );
  }
}

/** The name an object is listed under. */
export function objectName(h: Handle): string {
  return h.type === 'config' ? 'config' : h.name;
}

export interface Range {
  offset: number;
  length: number;
}

/** Rejects negative or fractional ranges before any I/O. */
export function checkRangeShape(h: Handle, range: Range, location: string): void {
  const { offset, length } = range;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new BackendError(
      'permanent',
      `invalid range offset=${offset} length=${length} for ${handleToString(h)} at ${location}`,
    );
  }
}

/**
 * A range must lie inside the object. A zero-length range is allowed anywhere from 0 to the size
 * (inclusive) and yields an empty buffer.
 */
export function checkRange(h: Handle, range: Range, size: number, location: string): void {
  checkRangeShape(h, range, location);
  if (range.offset + range.length > size) {
    throw new BackendError(
      'permanent',
      `range ${range.offset}+${range.length} is beyond the end of ${handleToString(h)} (${size} bytes) at ${location}`,
    );
  }
}
