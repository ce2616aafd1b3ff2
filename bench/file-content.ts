// The bytes of one planned webroot file, produced chunk by chunk and written without holding the file in memory.
// Shared by the generator and the mutator so both derive content from the same seeds.
import { writeSync } from 'node:fs';
import { createKeystream } from './random.js';
import { createTextStream } from './text-content.js';
import type { FileSpec, WebrootPlan } from './webroot-plan.js';

const CHUNK = 1 << 20;

/** A reader of a file's planned bytes, chunk by chunk; the vocabulary is shared by the whole webroot. */
export function contentReader(
  plan: Pick<WebrootPlan, 'seed'>,
  file: Pick<FileSpec, 'path' | 'content'>,
  salt = '',
): (length: number) => Buffer {
  const fileSeed = `${plan.seed}/file/${file.path}${salt}`;
  const c = file.content;
  if (c.type === 'text') return createTextStream(plan.seed, fileSeed, c.kind);
  if (c.type === 'media') return createKeystream(fileSeed);
  const bytes = Buffer.from(c.text);
  let at = 0;
  return (length) => bytes.subarray(at, (at += length));
}

/** Writes `length` bytes from `read` to `fd` at `position`, at most 1 MiB at a time. */
export function writeFrom(fd: number, read: (length: number) => Buffer, length: number, position = 0): void {
  for (let done = 0; done < length;) {
    const chunk = read(Math.min(CHUNK, length - done));
    if (chunk.length === 0) throw new Error(`content source ran dry after ${done} of ${length} bytes`);
    writeSync(fd, chunk, 0, chunk.length, position + done);
    done += chunk.length;
  }
}
