// Records what the reference implementation, json-logic-js, returns for every case of the
// JSON Logic compat suites, into tests/data/jsonlogic-js-reference.json. tests/jsonlogic.rs
// checks Kaleido's jsonlogic::apply against it.
//
//   npm install --no-save json-logic-js@2.0.5   (or set JSON_LOGIC_JS to its logic.js)
//   node tests/node/gen-jsonlogic-reference.mjs
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const jsonLogic = require(process.env.JSON_LOGIC_JS ?? 'json-logic-js');
const version = process.env.JSON_LOGIC_JS
  ? require(join(dirname(process.env.JSON_LOGIC_JS), 'package.json')).version
  : require('json-logic-js/package.json').version;
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
import { existsSync } from 'node:fs';
const shared = [process.env.KALEIDO_SHARED, join(root, '..', 'shared'), '/work/shared'].find(
  (p) => p && existsSync(join(p, 'corpora')),
);
const base = join(shared, 'corpora', 'jsonlogic-compat-suites');
const files = JSON.parse(readFileSync(join(base, 'index.json'), 'utf8'));

const cases = {};
for (const file of files) {
  const suite = JSON.parse(readFileSync(join(base, file), 'utf8'));
  suite.forEach((c, i) => {
    if (typeof c === 'string') return;
    let out;
    try {
      const v = jsonLogic.apply(c.rule, c.data === undefined ? null : c.data);
      // As JSON.stringify: NaN and the infinities become null, and so does undefined.
      out = { value: JSON.parse(JSON.stringify([v]))[0] };
    } catch (e) {
      out = { error: String(e.message) };
    }
    cases[`${file}#${i}`] = out;
  });
}
writeFileSync(
  join(root, 'tests', 'data', 'jsonlogic-js-reference.json'),
  JSON.stringify({ implementation: `json-logic-js ${version}`, cases }, null, 1) + '\n',
);
console.log(`recorded ${Object.keys(cases).length} cases`);
