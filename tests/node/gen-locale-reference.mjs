// Records what Node's `Intl` (ICU/CLDR of this Node) returns for the locale cases into
// tests/data/locale-intl-reference.json. tests/locale.rs checks kaleido::locale against it
// natively; tests/node/locale.test.mjs checks the WASM package against the live `Intl`.
//
//   node tests/node/gen-locale-reference.mjs
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { localeCases } from './locale-cases.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = {
  node: process.versions.node,
  icu: process.versions.icu,
  cldr: process.versions.cldr,
  cases: localeCases().map((c) => ({ ...c, expected: c.intl() })).map(({ intl, ...c }) => c),
};
writeFileSync(join(root, 'tests', 'data', 'locale-intl-reference.json'), JSON.stringify(out, null, 1) + '\n');
console.log(`wrote ${out.cases.length} cases (CLDR ${out.cldr})`);
