// `npm pack` of pkg/ installs into an empty folder and works by name: from an
// ES module and CommonJS in Node, from TypeScript through the exports map, and
// from a page in headless Chromium (Debian's, through playwright-core) that
// imports it with an import map. The page may make no request but to the local server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, readFileSync, rmSync, copyFileSync, existsSync, createReadStream } from 'node:fs';
import { createServer } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { PKG, ROOT } from './helpers.mjs';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
let dir;
let tarball;

const SLICE = `
  const out = {};
  await init();
  out.version = version();
  const s = Segment.parse('age >= 30');
  out.members = [s.test({ age: 34 }), s.test({ age: 29 }), s.evaluate({})];
  out.hello = [Template.compile('Hello {{ first_name | default("there") }}').render({ first_name: 'Ana' }),
               Template.compile('Hello {{ first_name | default("there") }}').render({})];
  try { Segment.parse('age >='); } catch (e) {
    out.error = { isKaleido: e instanceof KaleidoError, isError: e instanceof Error, kind: e.kind, line: e.line, column: e.column };
  }
`;
const EXPECTED = {
  members: [true, false, null],
  hello: ['Hello Ana', 'Hello there'],
  error: { isKaleido: true, isError: true, kind: 'parse', line: 1, column: 7 },
};

function npm(args, cwd) {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

before(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kaleido-pack-'));
  const packed = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], PKG));
  tarball = path.join(dir, packed[0].filename);
  const app = path.join(dir, 'app');
  execFileSync('mkdir', ['-p', app]);
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  npm(['install', '--offline', '--no-audit', '--no-fund', tarball], app);
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the tarball holds the package files and nothing else', () => {
  const packed = JSON.parse(npm(['pack', '--dry-run', '--json'], PKG))[0];
  const files = packed.files.map((f) => f.path).sort();
  for (const f of ['package.json', 'README.md', 'index.js', 'index.d.ts', 'node.mjs', 'node.cjs',
    'web/kaleido.js', 'web/kaleido_bg.wasm', 'node/kaleido.js', 'node/kaleido_bg.wasm', 'node/package.json', 'bin/kaleido.mjs']) {
    assert.ok(files.includes(f), `missing ${f}`);
  }
  assert.ok(files.every((f) => !f.includes('..') && !f.endsWith('.tgz')), files.join(', '));
  const pkg = JSON.parse(readFileSync(path.join(PKG, 'package.json'), 'utf8'));
  assert.equal(pkg.name, 'kaleido');
  assert.equal(pkg.exports['.'].types, './index.d.ts');
});

test('import { ... } from "kaleido" in an ES module (Node)', () => {
  const app = path.join(dir, 'app');
  writeFileSync(path.join(app, 'esm.mjs'), `
    import { init, version, Segment, Template, KaleidoError } from 'kaleido';
    ${SLICE}
    console.log(JSON.stringify(out));`);
  const out = JSON.parse(execFileSync(process.execPath, ['esm.mjs'], { cwd: app, encoding: 'utf8' }));
  assert.match(out.version, /^\d+\.\d+\.\d+/);
  delete out.version;
  assert.deepEqual(out, EXPECTED);
});

test('npx kaleido runs the installed command-line tool', () => {
  const app = path.join(dir, 'app');
  writeFileSync(path.join(app, 'rule.txt'), 'age >= 30');
  const npx = (args) => execFileSync('npx', ['--offline', '--no-install', 'kaleido', ...args], { cwd: app, encoding: 'utf8' });
  assert.match(npx(['--version']), /^\d+\.\d+\.\d+\n$/);
  assert.match(npx(['sql', '--dialect', 'postgres', 'rule.txt']), /^SELECT p\."id" FROM "profiles" AS p WHERE \(p\."age" >= 30\)/);
  writeFileSync(path.join(app, 'list.ndjson'), '{"id": 1, "age": 34}\n{"id": 2, "age": 20}\n{"id": 3}\n');
  assert.equal(npx(['count', 'rule.txt', 'list.ndjson']), '1\n');
});

test('require("kaleido") in CommonJS (Node)', () => {
  const app = path.join(dir, 'app');
  writeFileSync(path.join(app, 'cjs.cjs'), `
    const { init, version, Segment, Template, KaleidoError } = require('kaleido');
    (async () => { ${SLICE} delete out.version; console.log(JSON.stringify(out)); })();`);
  const out = JSON.parse(execFileSync(process.execPath, ['cjs.cjs'], { cwd: app, encoding: 'utf8' }));
  assert.deepEqual(out, EXPECTED);
});

test('the browser entry with init(bytes) (run in Node)', () => {
  const app = path.join(dir, 'app');
  writeFileSync(path.join(app, 'web.mjs'), `
    import { readFileSync } from 'node:fs';
    import * as k from './node_modules/kaleido/index.js';
    const { version, Segment, Template, KaleidoError } = k;
    const init = () => k.init(readFileSync('./node_modules/kaleido/web/kaleido_bg.wasm'));
    const first = init(); if (first !== init()) throw new Error('init() must cache its promise');
    ${SLICE}
    delete out.version; console.log(JSON.stringify(out));`);
  const out = JSON.parse(execFileSync(process.execPath, ['web.mjs'], { cwd: app, encoding: 'utf8' }));
  assert.deepEqual(out, EXPECTED);
});

test('TypeScript resolves the types through the exports map', () => {
  const app = path.join(dir, 'app');
  copyFileSync(path.join(ROOT, 'tests', 'types', 'consumer.ts'), path.join(app, 'consumer.ts'));
  writeFileSync(path.join(app, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, target: 'ES2022', module: 'Node16', moduleResolution: 'Node16',
      lib: ['ES2022', 'DOM'], types: [] },
    files: ['consumer.ts'],
  }));
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'],
    { cwd: app, encoding: 'utf8' });
});

test('a page in headless Chromium imports the installed package', { skip: !existsSync(CHROMIUM) && `no ${CHROMIUM}` }, async () => {
  const { chromium } = await import('playwright-core');
  const app = path.join(dir, 'app');
  writeFileSync(path.join(app, 'index.html'), `<!doctype html><meta charset="utf-8"><title>pack</title><link rel="icon" href="data:,">
    <script type="importmap">{ "imports": { "kaleido": "/node_modules/kaleido/index.js" } }</script>
    <script type="module">
      import { init, version, Segment, Template, KaleidoError } from 'kaleido';
      try { ${SLICE} window.result = out; } catch (e) { window.result = { failed: String(e && e.stack || e) }; }
    </script>`);
  const types = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm' };
  const server = createServer((req, res) => {
    const file = path.join(app, decodeURIComponent(new URL(req.url, 'http://x').pathname));
    if (!file.startsWith(app + path.sep) || !existsSync(file)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true });
  try {
    const page = await browser.newPage();
    const problems = [];
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => !r.url().startsWith(origin + '/') && problems.push(`request: ${r.url()}`));
    await page.goto(`${origin}/index.html`);
    await page.waitForFunction(() => window.result !== undefined, null, { timeout: 20000 });
    const out = await page.evaluate(() => window.result);
    assert.equal(out.failed, undefined, out.failed);
    delete out.version;
    assert.deepEqual(out, EXPECTED);
    assert.deepEqual(problems, []);
  } finally {
    await browser.close();
    server.close();
  }
});
