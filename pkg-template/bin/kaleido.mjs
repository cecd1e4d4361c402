#!/usr/bin/env node
// `kaleido`: the package's command-line tool (`npx kaleido --help`).
//
// Exit codes: 0 ok, 1 a rule or data error (parse, type, reference, bad
// NDJSON line, `check` found an error), 2 usage (unknown command or option,
// missing file, bad option value).
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { Segment, SegmentSet, version } from '../node.mjs';

const DIALECTS = ['duckdb', 'postgres', 'spark', 'bigquery', 'snowflake'];

const HELP = `kaleido ${version()}: segment rules from the command line

Usage:
  kaleido sql --dialect DIALECT [options] RULE_FILE
      Print one SQL query returning the ids of the rule's members.
      DIALECT: ${DIALECTS.join(', ')}.
  kaleido count [options] RULE_FILE DATA.ndjson
      Count the profiles (one JSON object per line, events inline) in the rule.
  kaleido check [--schema schema.json] RULE_FILE
      Static analysis: print errors and warnings (file:line:column).

RULE_FILE or DATA may be "-" for standard input (not both).

Options:
  --as-of T            evaluation instant (RFC 3339 or YYYY-MM-DD); default: now
  --time-zone ZONE     IANA zone cutting days and months; default: UTC
  --schema FILE        a JSON Schema object ({ "age": "number", ... })
  --segments FILE      a JSON object { "name": "rule text", ... } for \`in segment\`
  --tables FILE        (sql) a JSON table layout: { profiles, events, idColumn,
                       orderColumn, eventProfileColumn, eventTypeColumn,
                       eventTimeColumn, properties: "columns" | { "json": COLUMN } }
  --json-properties C  (sql) event properties are in the JSON column C
  --members            (count) print the member ids, one a line, then the count on stderr
  --id-field NAME      (count) the id attribute printed by --members; default: id
  --progress           (count) report progress on stderr even when it is not a terminal
  --quiet              (count) no progress
  -h, --help           this help
  --version            the version

Exit codes: 0 ok; 1 rule or data error (or \`check\` found an error); 2 usage.
`;

class UsageError extends Error {}

/** A rule or data error already formatted for the user (exit 1). */
class DataError extends Error {}

const FLAGS = new Set(['--members', '--progress', '--quiet', '--help', '-h', '--version']);
const VALUED = new Set([
  '--dialect',
  '--as-of',
  '--time-zone',
  '--schema',
  '--segments',
  '--tables',
  '--json-properties',
  '--id-field',
]);

function parseArgs(argv) {
  const opts = {};
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('-') && arg !== '-') {
      let value;
      const eq = arg.indexOf('=');
      if (arg.startsWith('--') && eq > 0) {
        value = arg.slice(eq + 1);
        arg = arg.slice(0, eq);
      }
      if (FLAGS.has(arg)) {
        if (value !== undefined) throw new UsageError(`${arg} takes no value`);
        opts[arg] = true;
      } else if (VALUED.has(arg)) {
        if (value === undefined) {
          if (i + 1 >= argv.length) throw new UsageError(`${arg} needs a value`);
          value = argv[++i];
        }
        opts[arg] = value;
      } else {
        throw new UsageError(`unknown option ${arg}`);
      }
    } else {
      positional.push(arg);
    }
  }
  return { opts, positional };
}

function readText(file, what) {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw new UsageError(`cannot read ${what} ${file}: ${e.code ?? e.message}`);
  }
}

function readJson(file, what) {
  const text = readText(file, what);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new DataError(`${file}: ${what} is not valid JSON: ${e.message}`);
  }
}

/** Formats a KaleidoError from rule text in `file` as `file:line:column: kind error: message` + snippet. */
function ruleError(file, e) {
  if (!isKaleido(e)) throw e;
  const where = e.line ? `${file}:${e.line}:${e.column ?? 1}` : file;
  let text = `${where}: ${e.kind} error: ${e.message}`;
  if (e.snippet) text += `\n${indent(e.snippet)}`;
  return new DataError(text);
}

function indent(s) {
  return s
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

function isKaleido(e) {
  return e instanceof Error && e.name === 'KaleidoError' && typeof e.kind === 'string';
}

function loadRule(file, opts) {
  const text = readText(file, 'rule file');
  let schema;
  if (opts['--schema'] !== undefined) schema = readJson(opts['--schema'], 'schema');
  let segment;
  try {
    segment = Segment.parse(text, schema === undefined ? undefined : { schema });
  } catch (e) {
    throw ruleError(file, e);
  }
  return { segment, schema, text };
}

function loadSegments(opts) {
  const file = opts['--segments'];
  if (file === undefined) return undefined;
  const defs = readJson(file, 'segments');
  if (defs === null || typeof defs !== 'object' || Array.isArray(defs)) {
    throw new DataError(`${file}: segments must be a JSON object { "name": "rule text" }`);
  }
  try {
    return new SegmentSet(defs);
  } catch (e) {
    throw ruleError(file, e);
  }
}

/** The evaluation options, checked once (a bad --as-of or --time-zone is a usage error). */
function evalOptions(opts, segments) {
  const o = {};
  if (opts['--as-of'] !== undefined) o.asOf = opts['--as-of'];
  if (opts['--time-zone'] !== undefined) o.timeZone = opts['--time-zone'];
  if (segments) o.segments = segments;
  const probe = Segment.parse('kaleido_probe is set');
  try {
    probe.test({}, { asOf: o.asOf, timeZone: o.timeZone });
  } catch (e) {
    if (!isKaleido(e)) throw e;
    throw new UsageError(e.message);
  } finally {
    probe.free();
  }
  return o;
}

function one(positional, n, usage) {
  if (positional.length !== n) throw new UsageError(`usage: ${usage}`);
  if (positional.filter((p) => p === '-').length > 1) {
    throw new UsageError('only one input may be standard input ("-")');
  }
}

function cmdSql(opts, positional) {
  one(positional, 1, 'kaleido sql --dialect DIALECT [options] RULE_FILE');
  const dialect = opts['--dialect'];
  if (dialect === undefined) throw new UsageError(`--dialect is required: ${DIALECTS.join(', ')}`);
  if (!DIALECTS.includes(dialect.toLowerCase()) && dialect.toLowerCase() !== 'postgresql') {
    throw new UsageError(`unknown dialect ${JSON.stringify(dialect)}: ${DIALECTS.join(', ')}`);
  }
  const [file] = positional;
  const { segment, schema } = loadRule(file, opts);
  const segments = loadSegments(opts);
  const options = { ...evalOptions(opts, segments), dialect };
  if (schema !== undefined) options.schema = schema;
  let tables = {};
  if (opts['--tables'] !== undefined) tables = readJson(opts['--tables'], 'tables');
  if (opts['--json-properties'] !== undefined) tables.properties = { json: opts['--json-properties'] };
  options.tables = tables;
  let sql;
  try {
    sql = segment.toSql(options);
  } catch (e) {
    throw ruleError(file, e);
  }
  process.stdout.write(`${sql};\n`);
  return 0;
}

function cmdCheck(opts, positional) {
  one(positional, 1, 'kaleido check [--schema schema.json] RULE_FILE');
  const [file] = positional;
  const text = readText(file, 'rule file');
  const schema = opts['--schema'] === undefined ? undefined : readJson(opts['--schema'], 'schema');
  let segment;
  try {
    segment = Segment.parse(text);
  } catch (e) {
    throw ruleError(file, e);
  }
  let diagnostics;
  try {
    diagnostics = segment.check(schema);
  } catch (e) {
    throw ruleError(opts['--schema'], e);
  }
  const lines = text.split(/\r?\n/);
  let errors = 0;
  for (const d of diagnostics) {
    if (d.severity === 'error') errors++;
    const where = d.line ? `${file}:${d.line}:${d.column ?? 1}` : file;
    let out = `${where}: ${d.severity}: ${d.message} [${d.code}]`;
    if (d.line && lines[d.line - 1] !== undefined) {
      out += `\n  ${lines[d.line - 1]}\n  ${' '.repeat(Math.max(0, (d.column ?? 1) - 1))}^`;
    }
    process.stdout.write(`${out}\n`);
  }
  const warnings = diagnostics.length - errors;
  process.stderr.write(
    diagnostics.length === 0
      ? `${file}: ok\n`
      : `${file}: ${errors} error(s), ${warnings} warning(s)\n`,
  );
  return errors > 0 ? 1 : 0;
}

async function cmdCount(opts, positional) {
  one(positional, 2, 'kaleido count [options] RULE_FILE DATA.ndjson');
  const [ruleFile, dataFile] = positional;
  const { segment } = loadRule(ruleFile, opts);
  const segments = loadSegments(opts);
  const options = evalOptions(opts, segments);
  const idField = opts['--id-field'] ?? 'id';
  const members = opts['--members'] === true;

  let total = 0;
  if (dataFile !== '-') {
    try {
      total = statSync(dataFile).size;
    } catch (e) {
      throw new UsageError(`cannot read data file ${dataFile}: ${e.code ?? e.message}`);
    }
  }
  const stream = dataFile === '-' ? process.stdin : createReadStream(dataFile);
  let profiles = 0;
  let count = 0;
  const showProgress = !opts['--quiet'] && (opts['--progress'] === true || process.stderr.isTTY === true);
  let lastReport = Date.now();
  const progress = (final) => {
    const done = stream.bytesRead ?? 0;
    const pct = total > 0 ? ` (${Math.min(100, Math.floor((done * 100) / total))}%)` : '';
    const text = `kaleido count: ${profiles.toLocaleString('en-US')} profiles read, ${count.toLocaleString('en-US')} in segment${pct}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${text}${final ? '\n' : ''}`);
    else process.stderr.write(`${text}\n`);
  };

  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let line = 0;
  const out = [];
  try {
    for await (const raw of rl) {
      line++;
      if (raw.trim() === '') continue;
      let profile;
      try {
        profile = JSON.parse(raw);
      } catch (e) {
        throw new DataError(`${dataFile}:${line}: invalid JSON: ${e.message}`);
      }
      if (profile === null || typeof profile !== 'object' || Array.isArray(profile)) {
        throw new DataError(`${dataFile}:${line}: a profile must be a JSON object`);
      }
      profiles++;
      let member;
      try {
        member = segment.test(profile, options);
      } catch (e) {
        if (!isKaleido(e)) throw e;
        const field = e.field ? ` (field ${e.field})` : '';
        throw new DataError(`${dataFile}:${line}: ${e.kind} error${field}: ${e.message}`);
      }
      if (member) {
        count++;
        if (members) {
          out.push(String(profile[idField]));
          if (out.length >= 4096) process.stdout.write(`${out.splice(0).join('\n')}\n`);
        }
      }
      if (showProgress && (profiles & 1023) === 0 && Date.now() - lastReport >= 1000) {
        lastReport = Date.now();
        progress(false);
      }
    }
  } catch (e) {
    if (e instanceof DataError || !e || typeof e.code !== 'string') throw e;
    throw new UsageError(`cannot read data file ${dataFile}: ${e.code}`);
  }
  if (showProgress) progress(true);
  if (members) {
    if (out.length) process.stdout.write(`${out.join('\n')}\n`);
    process.stderr.write(`${count} of ${profiles} profiles\n`);
  } else {
    process.stdout.write(`${count}\n`);
  }
  return 0;
}

async function main(argv) {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version') {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  const { opts, positional } = parseArgs(rest);
  if (opts['--help'] || opts['-h']) {
    process.stdout.write(HELP);
    return 0;
  }
  switch (command) {
    case 'sql':
      return cmdSql(opts, positional);
    case 'count':
      return cmdCount(opts, positional);
    case 'check':
      return cmdCheck(opts, positional);
    default:
      throw new UsageError(`unknown command ${JSON.stringify(command)}; try kaleido --help`);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError) {
    process.stderr.write(`kaleido: ${e.message}\n`);
    process.exitCode = 2;
  } else if (e instanceof DataError) {
    process.stderr.write(`kaleido: ${e.message}\n`);
    process.exitCode = 1;
  } else if (isKaleido(e)) {
    process.stderr.write(`kaleido: ${e.kind} error: ${e.message}\n`);
    process.exitCode = 1;
  } else {
    throw e;
  }
}
