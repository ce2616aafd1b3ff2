// Code-like text for the synthetic webroot: PHP, JS, CSS, HTML and JSON lines built from a seeded vocabulary.
// Word frequencies are skewed like real code, so the output compresses about as well as a real web app's source.
import { createRng, type Rng } from './random.js';

export type TextKind = 'php' | 'js' | 'css' | 'html' | 'json';

const SYLLABLES = [
  'get',
  'set',
  'post',
  'user',
  'meta',
  'data',
  'wp',
  'the',
  'query',
  'term',
  'item',
  'list',
  'admin',
  'load',
  'file',
  'path',
  'cache',
  'init',
  'hook',
  'form',
  'field',
  'value',
  'key',
  'id',
  'name',
  'type',
  'url',
  'args',
  'option',
  'filter',
  'action',
  'render',
  'block',
  'widget',
  'menu',
  'page',
  'site',
  'theme',
  'plugin',
  'style',
  'script',
  'nav',
  'content',
  'title',
  'link',
  'image',
  'size',
  'count',
  'handle',
  'request',
  'response',
  'error',
  'result',
  'config',
];
const CSS_PROPS = [
  'color',
  'margin',
  'padding',
  'display',
  'font-size',
  'line-height',
  'border',
  'background',
  'width',
  'height',
  'position',
  'z-index',
  'opacity',
  'transition',
  'flex',
  'align-items',
  'justify-content',
  'font-weight',
];
const CSS_VALUES = [
  '0',
  'auto',
  'none',
  'block',
  'flex',
  'inherit',
  '1px solid #ddd',
  '#fff',
  '#1e1e1e',
  '100%',
  '0 auto',
  'relative',
  'absolute',
  'center',
  '600',
  '1.5',
  'all .2s ease',
  '12px',
  '16px',
  '24px',
  '.5em',
  'transparent',
];
const HTML_TAGS = ['div', 'span', 'p', 'a', 'li', 'ul', 'section', 'button', 'label', 'h2', 'td', 'tr'];

interface Vocabulary {
  words: string[];
  idents: string[];
  classes: string[];
}
const vocabularies = new Map<string, Vocabulary>();

/** The vocabulary shared by all files of one webroot: ~1500 words, identifiers and CSS classes. */
function vocabulary(seed: string): Vocabulary {
  let v = vocabularies.get(seed);
  if (v) return v;
  const rng = createRng(`${seed}/vocabulary`);
  const word = (): string => rng.pick(SYLLABLES) + (rng.float() < 0.6 ? rng.pick(SYLLABLES) : '');
  const words = Array.from({ length: 1200 }, word);
  const idents = Array.from({ length: 1000 }, () => `${word()}_${word()}`);
  const classes = Array.from({ length: 300 }, () => `${word()}-${word()}`);
  v = { words, idents, classes };
  vocabularies.set(seed, v);
  return v;
}

type LineMaker = (rng: Rng, v: Vocabulary, indent: string) => string;

const w = (rng: Rng, list: string[]): string => list[rng.skewed(list.length, 1.6)];
const sentence = (rng: Rng, v: Vocabulary, n: number): string =>
  Array.from({ length: n }, () => w(rng, v.words)).join(' ');

const MAKERS: Record<TextKind, LineMaker[]> = {
  php: [
    (r, v, i) => `${i}$${w(r, v.idents)} = ${w(r, v.idents)}( $${w(r, v.idents)}, '${w(r, v.words)}' );`,
    (r, v, i) => `${i}if ( ! empty( $${w(r, v.idents)}['${w(r, v.words)}'] ) ) {`,
    (r, v, i) => `${i}return apply_filters( '${w(r, v.idents)}', $${w(r, v.idents)}, $${w(r, v.words)} );`,
    (r, v, i) => `${i}// ${sentence(r, v, 4 + r.int(8))}`,
    (r, v, i) => `${i}}`,
    (r, v, i) => `${i}public function ${w(r, v.idents)}( $${w(r, v.words)} = null ) {`,
  ],
  js: [
    (r, v, i) =>
      `${i}const ${w(r, v.words)} = ${w(r, v.words)}.${w(r, v.words)}(${w(r, v.words)}, '${w(r, v.classes)}');`,
    (r, v, i) => `${i}if (${w(r, v.words)} && ${w(r, v.words)}.length > ${r.int(10)}) {`,
    (r, v, i) => `${i}return ${w(r, v.words)}.map((${w(r, v.words)}) => ${w(r, v.words)}.${w(r, v.words)});`,
    (r, v, i) => `${i}// ${sentence(r, v, 3 + r.int(8))}`,
    (r, v, i) => `${i}}`,
    (r, v, i) => `${i}export function ${w(r, v.words)}(${w(r, v.words)}, ${w(r, v.words)}) {`,
  ],
  css: [
    (r, v, i) => `${i}.${w(r, v.classes)} .${w(r, v.classes)} {`,
    (r, _v, i) => `${i}  ${r.pick(CSS_PROPS)}: ${r.pick(CSS_VALUES)};`,
    (r, _v, i) => `${i}  ${r.pick(CSS_PROPS)}: ${r.pick(CSS_VALUES)};`,
    (_r, _v, i) => `${i}}`,
  ],
  html: [
    (r, v, i) => `${i}<${r.pick(HTML_TAGS)} class="${w(r, v.classes)} ${w(r, v.classes)}">`,
    (r, v, i) => `${i}<a href="/${w(r, v.words)}/${w(r, v.words)}/">${sentence(r, v, 1 + r.int(4))}</a>`,
    (r, v, i) => `${i}<p>${sentence(r, v, 5 + r.int(12))}</p>`,
    (r, _v, i) => `${i}</${r.pick(HTML_TAGS)}>`,
  ],
  json: [
    (r, v, i) => `${i}"${w(r, v.words)}": "${w(r, v.idents)}",`,
    (r, v, i) => `${i}"${w(r, v.idents)}": ${r.int(1000)},`,
    (r, v, i) => `${i}"${w(r, v.words)}": {`,
    (r, _v, i) => `${i}},`,
  ],
};

/** A reader of deterministic code-like text: each call returns the next `length` bytes (≤ 1 MiB). */
export function createTextStream(vocabularySeed: string, fileSeed: string, kind: TextKind): (length: number) => Buffer {
  const v = vocabulary(vocabularySeed);
  const rng = createRng(fileSeed);
  const makers = MAKERS[kind];
  let pending = Buffer.alloc(0);
  let depth = 1;
  const fill = (want: number): void => {
    const lines: string[] = [];
    let size = 0;
    while (size < want) {
      depth = Math.max(0, Math.min(6, depth + rng.int(3) - 1));
      const line = makers[rng.skewed(makers.length, 1.3)](rng, v, '    '.repeat(depth));
      lines.push(line);
      size += line.length + 1;
    }
    pending = Buffer.concat([pending, Buffer.from(lines.join('\n') + '\n')]);
  };
  return (length) => {
    if (pending.length < length) fill(length - pending.length);
    const out = pending.subarray(0, length);
    pending = pending.subarray(length);
    return out;
  };
}
