// The floor section's steps run on real bytes: each step hands the next one what the pipeline would, and the restore
// side gives back the chunked bytes (timeSteps throws otherwise).
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { timeSteps } from './floor-steps.js';

describe('floor steps', () => {
  it('time every step over compressible and incompressible files and restore them exactly', () => {
    // Text-like files compress (their chunks come out of the compressor's scratch buffer); random ones do not.
    const text = (n: number) => Buffer.from(`line ${n} of some very repetitive text\n`.repeat(20_000));
    const files = [text(1), randomBytes(300_000), text(2), text(3), randomBytes(5_000)];
    const steps = timeSteps(files, 1);
    expect(steps.map((s) => s.key)).toEqual(['chunk', 'id', 'compress', 'seal', 'pipeline', 'open', 'verify', 'zstd1']);
    for (const s of steps) expect(s.roundsMs).toHaveLength(1);
  });
});
