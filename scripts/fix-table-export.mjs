// Repairs a binaryen 108 (Debian bookworm) bug: after `wasm-opt`, a module with
// two tables exports its *first* table under the name of the second. wasm-bindgen
// exports its externref table as `__wbindgen_externrefs`; this points that export
// back at the module's externref table. The module is re-validated by loading it
// in the build's smoke test.
//
// usage: node scripts/fix-table-export.mjs file.wasm
import { readFileSync, writeFileSync } from 'node:fs';

const EXPORT_NAME = '__wbindgen_externrefs';
const file = process.argv[2];
const buf = readFileSync(file);

function leb(pos) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = buf[pos++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return [value, pos];
}

function sections() {
  const out = [];
  let pos = 8;
  while (pos < buf.length) {
    const id = buf[pos];
    const [size, start] = leb(pos + 1);
    out.push({ id, start, end: start + size });
    pos = start + size;
  }
  return out;
}

const all = sections();
const imports = all.find((s) => s.id === 2);
const tables = all.find((s) => s.id === 4);
const exports = all.find((s) => s.id === 7);
if (!tables || !exports) process.exit(0);

// Imported tables come first in the table index space.
let importedTables = 0;
if (imports) {
  let [count, pos] = leb(imports.start);
  for (let i = 0; i < count; i++) {
    let n;
    [n, pos] = leb(pos); pos += n; // module
    [n, pos] = leb(pos); pos += n; // name
    const kind = buf[pos++];
    if (kind === 0) [, pos] = leb(pos); // func: type index
    else if (kind === 1) { // table: reftype + limits
      importedTables++;
      pos++;
      const flags = buf[pos++];
      [, pos] = leb(pos);
      if (flags & 1) [, pos] = leb(pos);
    } else if (kind === 2) { // memory: limits
      const flags = buf[pos++];
      [, pos] = leb(pos);
      if (flags & 1) [, pos] = leb(pos);
    } else if (kind === 3) pos += 2; // global: valtype + mut
    else throw new Error(`unknown import kind ${kind}`);
  }
}

let externrefTable = -1;
{
  let [count, pos] = leb(tables.start);
  for (let i = 0; i < count; i++) {
    const reftype = buf[pos++];
    if (reftype === 0x6f && externrefTable < 0) externrefTable = importedTables + i;
    const flags = buf[pos++];
    [, pos] = leb(pos);
    if (flags & 1) [, pos] = leb(pos);
  }
}
if (externrefTable < 0) process.exit(0);

let [count, pos] = leb(exports.start);
for (let i = 0; i < count; i++) {
  let n;
  [n, pos] = leb(pos);
  const name = buf.subarray(pos, pos + n).toString();
  pos += n;
  const kind = buf[pos++];
  const [index, next] = leb(pos);
  if (name === EXPORT_NAME && kind === 1 && index !== externrefTable) {
    if (next - pos !== 1 || externrefTable > 0x7f) throw new Error('unexpected export encoding');
    buf[pos] = externrefTable;
    writeFileSync(file, buf);
    console.log(`   fixed export ${EXPORT_NAME}: table ${index} -> ${externrefTable}`);
  }
  pos = next;
}
