import {
  closeSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  nanosecondTimes,
  renameNoReplaceSync,
  setFdTimesSync,
  setTimesSync,
  splitNs,
} from '../../../src/util/utimens.js';

const mtimeNs = (p: string) => lstatSync(p, { bigint: true }).mtimeNs;

describe('utimens', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'sb-utimens-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('has the native addon (npm install builds it); without it times are only exact to the microsecond', () => {
    expect(nanosecondTimes()).toEqual({ exact: true });
  });

  it('splits nanoseconds into seconds and nanoseconds, flooring times before 1970', () => {
    expect(splitNs(1_795_508_440_458_999_951n)).toEqual({ sec: 1_795_508_440, nsec: 458_999_951 });
    expect(splitNs(-1n)).toEqual({ sec: -1, nsec: 999_999_999 });
    expect(splitNs(0n)).toEqual({ sec: 0, nsec: 0 });
  });

  it('sets a file, a directory and a symbolic link (not its target) to the nanosecond', () => {
    const f = join(dir, 'f');
    const d = join(dir, 'd');
    const l = join(dir, 'l');
    writeFileSync(f, 'x');
    mkdirSync(d);
    symlinkSync('f', l);
    setTimesSync(f, 1_795_508_440_458_999_951n);
    setTimesSync(d, 1_000_000_000_000_000_001n);
    setTimesSync(Buffer.from(l), 1_600_000_000_123_456_789n, true);
    expect(mtimeNs(f)).toBe(1_795_508_440_458_999_951n);
    expect(mtimeNs(d)).toBe(1_000_000_000_000_000_001n);
    expect(mtimeNs(l)).toBe(1_600_000_000_123_456_789n);
    expect(lstatSync(f, { bigint: true }).atimeNs).toBe(1_795_508_440_458_999_951n);
  });

  it('sets an open file by descriptor, and a time before 1970', () => {
    const f = join(dir, 'f');
    writeFileSync(f, 'x');
    const fd = openSync(f, 'r+');
    try {
      setFdTimesSync(fd, -1_500_000_001n);
    } finally {
      closeSync(fd);
    }
    expect(mtimeNs(f)).toBe(-1_500_000_001n);
  });

  it("throws Node's kind of error, with code and syscall, for a missing file", () => {
    expect(() => setTimesSync(join(dir, 'missing'), 1n)).toThrow(
      expect.objectContaining({ code: 'ENOENT', syscall: 'utimensat' }),
    );
  });

  it('renames without replacing: a file, a directory or a dangling link at the new name stays, and so does the old one', () => {
    const from = join(dir, 'from');
    writeFileSync(from, 'new');
    const file = join(dir, 'file');
    const sub = join(dir, 'sub');
    const link = join(dir, 'link');
    writeFileSync(file, 'good');
    mkdirSync(sub);
    symlinkSync('nowhere', link);
    for (const to of [file, sub, Buffer.from(link)]) expect(renameNoReplaceSync(from, to)).toBe('exists');
    expect(readFileSync(file, 'utf8')).toBe('good');
    expect(lstatSync(sub).isDirectory()).toBe(true);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(from, 'utf8')).toBe('new');
    const free = join(dir, 'free');
    expect(renameNoReplaceSync(from, free)).toBe('renamed');
    expect(existsSync(from)).toBe(false);
    expect(readFileSync(free, 'utf8')).toBe('new');
    // Anything else is left to Node's rename, which gives its own error.
    expect(renameNoReplaceSync(join(dir, 'missing'), join(dir, 'other'))).toBe('fallback');
  });
});
