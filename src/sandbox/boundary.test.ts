/**
 * The sandbox stands for Pluggy: nothing in src/sandbox may reach into the service. Every module
 * specifier (static and dynamic imports, re-exports, require, and file URLs built from
 * import.meta.url) must be a package, a node: builtin, or a path that stays inside this folder.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SANDBOX_DIR = dirname(fileURLToPath(import.meta.url));
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs)$/;

const SPECIFIER_PATTERNS = [
  /\bfrom\s*(['"`])([^'"`]+)\1/g,
  /\bimport\s*(['"`])([^'"`]+)\1/g,
  /\bimport\s*\(\s*(['"`])([^'"`]+)\1/g,
  /\brequire\s*\(\s*(['"`])([^'"`]+)\1/g,
  /\bnew\s+URL\s*\(\s*(['"`])([^'"`]+)\1\s*,\s*import\.meta\.url/g,
];

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sourceFiles(full);
    return SOURCE.test(e.name) ? [full] : [];
  });
}

/** The specifiers of one file's source that resolve outside `root` (relative or absolute paths). */
function leavingSpecifiers(file: string, source: string, root: string): string[] {
  const out: string[] = [];
  for (const pattern of SPECIFIER_PATTERNS) {
    for (const m of source.matchAll(pattern)) {
      const spec = m[2] ?? '';
      const isPath = spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('file:');
      if (!isPath) continue;
      const target = spec.startsWith('file:') ? fileURLToPath(spec) : resolve(dirname(file), spec);
      if (target !== root && !target.startsWith(root + sep)) out.push(spec);
    }
  }
  return out;
}

describe('sandbox boundary', () => {
  it('imports nothing from outside src/sandbox', () => {
    // This file's own examples of leaving imports are data, not imports.
    const self = fileURLToPath(import.meta.url);
    const files = sourceFiles(SANDBOX_DIR).filter((f) => f !== self);
    expect(files.length).toBeGreaterThan(20);
    const leaks = files.flatMap((f) =>
      leavingSpecifiers(f, readFileSync(f, 'utf8'), SANDBOX_DIR).map(
        (spec) => `${relative(SANDBOX_DIR, f)}: ${spec}`,
      ),
    );
    expect(leaks).toEqual([]);
  });

  it('catches every form of a leaving import (the scan itself can fail)', () => {
    const file = join(SANDBOX_DIR, 'routes', 'x.ts');
    const src = [
      "import { a } from '../../config.ts';",
      "import type { B } from '../../log.ts';",
      "export * from '../../db/open.ts';",
      "import '../../side-effect.ts';",
      "const m = await import('../../../x.ts');",
      "const r = require('/etc/x.js');",
      "const u = new URL('../../', import.meta.url);",
      'import {\n  c,\n} from "../../domain/phone.ts";',
      // Staying inside, packages and builtins pass:
      "import { d } from '../errors.ts';",
      "import { e } from './common.ts';",
      "import { pino } from 'pino';",
      "import { readFile } from 'node:fs/promises';",
    ].join('\n');
    expect(leavingSpecifiers(file, src, SANDBOX_DIR).sort()).toEqual(
      [
        '../../config.ts',
        '../../log.ts',
        '../../domain/phone.ts',
        '../../db/open.ts',
        '../../side-effect.ts',
        '../../../x.ts',
        '/etc/x.js',
        '../../',
      ].sort(),
    );
  });
});
